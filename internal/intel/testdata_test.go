package intel

// The public test data the tests read lives beside the reader of its
// format (Shadowserver's reports, PyMISP's events,
// the OASIS STIX examples, ATT&CK for ICS) and is read from there rather
// than copied. Origins in each testdata/README.md.
const (
	officialCSV  = "csvfeed/testdata"
	officialMISP = "misp/testdata"
	officialSTIX = "stix/testdata"
)
