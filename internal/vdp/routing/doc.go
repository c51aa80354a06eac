// Package routing is the disclosure program's routing rules: which CERT is
// responsible for a report, by the vendor, the product, the sector and
// whether critical information infrastructure is affected. The first
// matching rule wins; without one the report goes to the coordination
// center (vdp's Service decides that, and who may see or set the rules).
//
// It holds the rules' SQL over vdp_routing_rules and checks a new set of
// rules; the CERTs' names and kinds come from the directory through vdp.
package routing
