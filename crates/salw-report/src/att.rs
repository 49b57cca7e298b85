//! The ATT annual report's SALW part (category VIII) as files: JSON, CSV, XLSX and printable
//! HTML. The figures are `salw_core::att::compute`'s (docs/reports.md).

use salw_core::att::{Apart, AttReport, Row};

use crate::Error;
use crate::poa::esc;

pub fn to_json(r: &AttReport) -> Result<String, Error> {
    Ok(serde_json::to_string_pretty(r)? + "\n")
}

/// One line per row: `direction,sub_category,partner,items,category,weapon_id,reason`; a
/// weapon listed apart is a line of its own with sub_category `none`, 1 item, its category,
/// weapon and reason.
pub fn to_csv(r: &AttReport) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "direction",
        "sub_category",
        "partner",
        "items",
        "category",
        "weapon_id",
        "reason",
    ])?;
    for (direction, rows) in [("export", &r.exports), ("import", &r.imports)] {
        for row in rows {
            let items = row.items.to_string();
            w.write_record([
                direction,
                row.sub_category.as_str(),
                &row.partner,
                &items,
                "",
                "",
                "",
            ])?;
        }
    }
    for a in &r.listed_apart {
        w.write_record([
            a.direction.as_str(),
            "none",
            &a.partner,
            "1",
            &a.category,
            &a.weapon_id,
            &a.reason,
        ])?;
    }
    w.into_inner().map_err(|e| Error::Io(e.into_error()))
}

/// Sheets `exports` and `imports`: title in A1, country and year in A2, column labels on row
/// 4, from row 5 one row per sub-category and partner (label, key, partner, items), then a
/// `total` row. Sheet `listed_apart`: direction, partner, weapon id, reference, category,
/// reason, from row 5.
pub fn to_xlsx(r: &AttReport) -> Result<Vec<u8>, Error> {
    use rust_xlsxwriter::{Format, Workbook};
    let bold = Format::new().set_bold();
    let mut wb = Workbook::new();
    let meta = format!("{} {} · category VIII (SALW)", r.country, r.year);
    for (name, title, rows, total) in [
        ("exports", "Exports", &r.exports, r.exported_items),
        ("imports", "Imports", &r.imports, r.imported_items),
    ] {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        ws.write_string_with_format(0, 0, format!("ATT annual report: {title}"), &bold)?;
        ws.write_string(1, 0, meta.trim())?;
        for (c, label) in ["Sub-category", "key", "Partner State", "Number of items"]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(3, c as u16, *label, &bold)?;
        }
        ws.set_column_width(0, 56)?;
        ws.set_column_width(1, 44)?;
        ws.set_column_width(2, 14)?;
        ws.set_column_width(3, 16)?;
        let mut at = 4u32;
        for row in rows.iter() {
            ws.write_string(at, 0, row.label)?;
            ws.write_string(at, 1, row.sub_category.as_str())?;
            ws.write_string(at, 2, &row.partner)?;
            ws.write_number(at, 3, row.items as f64)?;
            at += 1;
        }
        ws.write_string_with_format(at, 0, "Total", &bold)?;
        ws.write_string_with_format(at, 1, "total", &bold)?;
        ws.write_number_with_format(at, 3, total as f64, &bold)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("listed_apart")?;
    ws.write_string_with_format(
        0,
        0,
        "Exported or imported, with no category VIII sub-category",
        &bold,
    )?;
    ws.write_string(1, 0, meta.trim())?;
    for (c, label) in [
        "direction",
        "partner",
        "weapon_id",
        "reference",
        "category",
        "reason",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(3, c as u16, *label, &bold)?;
    }
    ws.set_column_width(2, 38)?;
    ws.set_column_width(5, 70)?;
    for (i, a) in r.listed_apart.iter().enumerate() {
        let at = 4 + i as u32;
        ws.write_string(at, 0, a.direction.as_str())?;
        ws.write_string(at, 1, &a.partner)?;
        ws.write_string(at, 2, &a.weapon_id)?;
        ws.write_string(at, 3, a.weapon_reference.as_deref().unwrap_or(""))?;
        ws.write_string(at, 4, &a.category)?;
        ws.write_string(at, 5, &a.reason)?;
    }
    Ok(wb.save_to_buffer()?)
}

const CSS: &str = "body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #999;padding:.3em .6em;text-align:left}td.n{text-align:right}tr.total{font-weight:bold}@media print{body{margin:0}table{page-break-inside:avoid}}@page{size:A4;margin:15mm}";

fn rows_html(title: &str, rows: &[Row], total: u64) -> String {
    let mut h = format!("<h2>{}</h2>\n", esc(title));
    if rows.is_empty() {
        return h + "<p>None in the year.</p>\n";
    }
    h += "<table><thead><tr><th>Sub-category</th><th>Partner State</th><th>Number of items</th></tr></thead><tbody>\n";
    for r in rows {
        h += &format!(
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n",
            esc(r.label),
            esc(&r.partner),
            r.items
        );
    }
    h += &format!(
        "<tr class=\"total\"><td>Total</td><td></td><td class=\"n\">{total}</td></tr>\n</tbody></table>\n"
    );
    h
}

fn apart_html(apart: &[Apart]) -> String {
    let mut h = String::from("<h2>Listed apart: no category VIII sub-category</h2>\n");
    if apart.is_empty() {
        return h + "<p>None: every weapon exported or imported has a sub-category.</p>\n";
    }
    h += "<table><thead><tr><th>Direction</th><th>Partner</th><th>Weapon</th><th>Category</th><th>Reason</th></tr></thead><tbody>\n";
    for a in apart {
        h += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            a.direction,
            esc(&a.partner),
            esc(a.weapon_reference.as_deref().unwrap_or(&a.weapon_id)),
            esc(&a.category),
            esc(&a.reason)
        );
    }
    h + "</tbody></table>\n"
}

pub fn to_html(r: &AttReport) -> String {
    let country = if r.country.is_empty() {
        "not set"
    } else {
        &r.country
    };
    let mut h = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h += &format!(
        "<title>{} ATT annual report {}</title><style>{CSS}</style></head><body>\n",
        esc(&r.country),
        r.year
    );
    h += "<h1>Arms Trade Treaty annual report: small arms and light weapons (category VIII)</h1>\n";
    h += &format!(
        "<p class=\"meta\">Country: {} · Year: {} · Number of items, from the national registry's export and import records</p>\n",
        esc(country),
        r.year
    );
    h += &rows_html("Exports", &r.exports, r.exported_items);
    h += &rows_html("Imports", &r.imports, r.imported_items);
    h += &apart_html(&r.listed_apart);
    h + "</body></html>\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use salw_core::att::{Direction, Transfer, compute};

    fn sample() -> AttReport {
        let t = |direction, partner: &str, id: &str, category: &str| Transfer {
            direction,
            partner: partner.into(),
            weapon_id: id.into(),
            weapon_reference: Some(format!("W-{id}")),
            category: category.into(),
            calibre_mm: None,
        };
        compute(
            &[
                t(Direction::Export, "UG", "1", "rifle"),
                t(Direction::Export, "UG", "2", "rifle"),
                t(Direction::Export, "TZ", "3", "revolver"),
                t(Direction::Import, "DE", "4", "assault rifle"),
                t(Direction::Import, "DE", "5", "flame<thrower>"),
            ],
            2025,
            "KE",
        )
    }

    #[test]
    fn xlsx_reads_back_with_another_library() {
        use calamine::{Data, Reader, Xlsx};
        let r = sample();
        let bytes = to_xlsx(&r).unwrap();
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), ["exports", "imports", "listed_apart"]);
        for (sheet, rows, total) in [
            ("exports", &r.exports, r.exported_items),
            ("imports", &r.imports, r.imported_items),
        ] {
            let range = wb.worksheet_range(sheet).unwrap();
            let cell = |row: u32, c: u32| range.get_value((row, c)).cloned().unwrap_or(Data::Empty);
            assert!(!rows.is_empty());
            for (i, row) in rows.iter().enumerate() {
                let at = 4 + i as u32;
                assert_eq!(cell(at, 1), Data::String(row.sub_category.as_str().into()));
                assert_eq!(cell(at, 2), Data::String(row.partner.clone()));
                assert_eq!(cell(at, 3), Data::Float(row.items as f64));
            }
            let at = 4 + rows.len() as u32;
            assert_eq!(cell(at, 1), Data::String("total".into()));
            assert_eq!(cell(at, 3), Data::Float(total as f64));
        }
        assert_eq!(r.exported_items, 3);
        let range = wb.worksheet_range("listed_apart").unwrap();
        assert_eq!(
            range.get_value((4, 4)).cloned(),
            Some(Data::String("flame<thrower>".into()))
        );
        assert_eq!(
            range.get_value((4, 3)).cloned(),
            Some(Data::String("W-5".into()))
        );
        assert_eq!(range.get_value((5, 0)), None, "one weapon listed apart");
    }

    #[test]
    fn csv_has_every_row_and_every_weapon_listed_apart() {
        let r = sample();
        let text = String::from_utf8(to_csv(&r).unwrap()).unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "direction,sub_category,partner,items,category,weapon_id,reason",
                "export,revolvers_and_self_loading_pistols,TZ,1,,,",
                "export,rifles_and_carbines,UG,2,,,",
                "import,assault_rifles,DE,1,,,",
                "import,none,DE,1,flame<thrower>,5,category 'flame<thrower>' has no ATT sub-category",
            ]
        );
    }

    #[test]
    fn html_and_json_carry_the_figures_escaped() {
        let r = sample();
        let h = to_html(&r);
        assert!(h.contains("flame&lt;thrower&gt;"), "{h}");
        assert!(!h.contains("flame<thrower>"));
        assert!(h.contains("Rifles and carbines</td><td>UG</td><td class=\"n\">2</td>"));
        let v: serde_json::Value = serde_json::from_str(&to_json(&r).unwrap()).unwrap();
        assert_eq!(v["year"], 2025);
        assert_eq!(v["exported_items"], 3);
        assert_eq!(v["exports"][1]["sub_category"], "rifles_and_carbines");
        assert_eq!(v["listed_apart"][0]["weapon_reference"], "W-5");
    }
}
