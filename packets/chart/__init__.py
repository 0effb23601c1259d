"""Into the chart: each packet recorded as a FHIR R4 DocumentReference (and, on request, an HL7 v2 MDM^T02).

The last stage of the pipeline, after a packet is written: ``documents`` and ``mdm``
build the records (each checked by parsing it back with a well-kept library before it
is written), ``outbox`` writes them to the clinic's chart outbox and counts what it
left out (a packet without a patient identifier cannot be filed).
"""
