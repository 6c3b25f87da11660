package cases

// SetSearchWindow sets how many newest cases a search reads before it reads through the indexes,
// and returns the function that restores it.
func SetSearchWindow(n int) func() {
	old := searchWindow
	searchWindow = n
	return func() { searchWindow = old }
}

// SetSearchTexts sets how many distinct texts a search may match and still be read in order
// through case_search, and returns the function that restores it.
func SetSearchTexts(n int) func() {
	old := searchTexts
	searchTexts = n
	return func() { searchTexts = old }
}
