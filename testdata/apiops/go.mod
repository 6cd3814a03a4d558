// This folder holds API Management fixtures, not Go code. Its own go.mod keeps it out of the
// entratoken module zip: "orders;rev=2" is how the APIOps extractor names a revision, and
// module zips refuse ";" in file names (golang.org/x/mod/module.CheckFilePath).
module github.com/entratoken/entratoken/testdata/apiops

go 1.26.0
