package export

// argumentsSheet writes the sheet "Argumente" / "Arguments" of a study with
// arguments between rounds: every argument of the exported rounds with its
// author's group (never the pseudonym: the workbook pairs no free text with
// a pseudonym; researchers see it on the item detail page), its ratings (n, mean, counts of 1–5) and,
// for a hidden one, the hiding (marked, with its reason): the raw record,
// hidden arguments included. Texts are text cells, never formulas.
func (x *xw) argumentsSheet() error {
	if !x.def.Arguments {
		return nil
	}
	sh, err := x.sheet(x.t("Argumente", "Arguments"), 7, 10, 45, 14, 9, 70, 16, 7, 7, 5, 5, 5, 5, 5, 12, 30, 17, 17, 17)
	if err != nil {
		return err
	}
	if err := sh.freeze(2); err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Runde", "Round"), x.t("Frage", "Item"), x.t("Fragetext", "Item text"), x.t("Option", "Option"),
		x.t("Haltung", "Stance"), x.t("Argument", "Argument"), x.t("Expertengruppe", "Expert group"),
		x.t("Bewertungen", "Ratings"), x.t("Mittelwert", "Mean"), "1", "2", "3", "4", "5",
		x.t("Ausgeblendet", "Hidden"), x.t("Grund", "Reason"), x.t("Ausgeblendet am", "Hidden at"),
		x.t("Erstellt", "Created"), x.t("Geändert", "Changed")}, true); err != nil {
		return err
	}
	index := map[int]int{} // round number → index into x.rounds
	for i, r := range x.rounds {
		index[r.Number] = i
	}
	rows := 0
	for _, a := range x.in.Arguments {
		ri, ok := index[a.Round]
		if !ok {
			continue
		}
		if rows%256 == 0 {
			if err := x.ctx.Err(); err != nil {
				return err
			}
		}
		item, _ := x.item(ri, a.ItemID)
		stance := x.t("pro", "pro")
		if a.Stance != "pro" {
			stance = x.t("contra", "con")
		}
		var option, mean any
		if a.OptionID != "" {
			option = x.str(x.optionLabel(item, a.OptionID))
		}
		if a.Ratings.N > 0 {
			mean = x.float(a.Ratings.Mean, x.st.dec2)
		}
		var reason, hiddenAt any
		if h := a.Hidden; h != nil {
			reason, hiddenAt = x.long(h.Reason), x.dateCell(&h.At)
		}
		created, changed := a.CreatedAt, a.UpdatedAt
		vals := []any{x.int(a.Round), x.str(a.ItemID), x.long(x.text(item.Text)), option, x.str(stance), x.long(a.Text),
			x.str(x.groupLabel(a.Group)), x.int(a.Ratings.N), mean}
		for _, n := range a.Ratings.Distribution {
			vals = append(vals, x.int(n))
		}
		vals = append(vals, x.yesNo(a.Hidden != nil), reason, hiddenAt, x.dateCell(&created), x.dateCell(&changed))
		if err := sh.add(vals...); err != nil {
			return err
		}
		rows++
	}
	if rows == 0 {
		if err := sh.note(x.t("Keine Argumente.", "No arguments.")); err != nil {
			return err
		}
	}
	return sh.close()
}
