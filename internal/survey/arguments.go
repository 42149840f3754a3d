package survey

// argumentRules checks the options of arguments between rounds: they take
// effect only with arguments: true, so options without it are a mistake.
func (c *checker) argumentRules() {
	if c.d.ArgumentOptions != nil && !c.d.Arguments {
		c.add(path("argument_options"), "argument_options need arguments: true")
	}
}
