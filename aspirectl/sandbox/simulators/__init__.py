"""One simulator per wire protocol: paths, auth rules, success and error shapes as recorded
in the providers reference. Each has a FAULTS table: fault name -> how it shows on the wire."""
