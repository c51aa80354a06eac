// Package ccportal reads the Common Criteria portal's list of certified
// products (commoncriteriaportal.org, "Certified Products", CSV), for the
// center to recognise foreign certifications on its approved-products
// list.
//
// The file's quirks, each handled here: one row per assurance-maintenance
// of a product (the product repeats, with a maintenance date and title), so
// rows are merged by product; dates are US style, MM/DD/YYYY; names carry
// HTML entities (&amp;, &#8482;, &reg;); the header's order is not fixed
// and columns may be added, so columns are found by name.
package ccportal
