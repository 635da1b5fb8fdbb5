//! Plain aligned text tables: a header row, a rule, and right-aligned numeric columns.

/// Column alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table built row by row and rendered with every column padded to its widest cell.
#[derive(Clone, Debug)]
pub struct Table {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with the given column headers; the first column is left-aligned, the others
    /// right-aligned, which suits a label followed by numbers.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        let header: Vec<String> = header.into_iter().map(Into::into).collect();
        let align = (0..header.len())
            .map(|i| if i == 0 { Align::Left } else { Align::Right })
            .collect();
        Self {
            header,
            align,
            rows: Vec::new(),
        }
    }

    /// Overrides the alignment of column `column`.
    pub fn align(mut self, column: usize, align: Align) -> Self {
        if let Some(slot) = self.align.get_mut(column) {
            *slot = align;
        }
        self
    }

    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Renders the table with two spaces between columns and an indent of `indent` spaces.
    pub fn render(&self, indent: usize) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let pad = " ".repeat(indent);
        let line = |cells: &[String]| -> String {
            let mut out = pad.clone();
            for (i, width) in widths.iter().enumerate() {
                let cell = cells.get(i).map_or("", String::as_str);
                let fill = width - cell.chars().count();
                if i > 0 {
                    out.push_str("  ");
                }
                match self.align[i] {
                    Align::Left => {
                        out.push_str(cell);
                        if i + 1 < columns {
                            out.push_str(&" ".repeat(fill));
                        }
                    }
                    Align::Right => {
                        out.push_str(&" ".repeat(fill));
                        out.push_str(cell);
                    }
                }
            }
            out.trim_end().to_string() + "\n"
        };
        let mut out = line(&self.header);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        out.push_str(&line(&rule));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align() {
        let mut table = Table::new(["series", "rate_per_s"]);
        table.row(["a", "1.5"]);
        table.row(["longer", "12.25"]);
        let text = table.render(0);
        assert_eq!(
            text,
            "series  rate_per_s\n------  ----------\na              1.5\nlonger       12.25\n"
        );
    }
}
