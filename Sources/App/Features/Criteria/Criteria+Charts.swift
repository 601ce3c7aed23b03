// Trends on the criteria pages, from snapshots (Criteria+Snapshots.swift): a server-rendered SVG bar chart per unit —
// a village's mandatory criteria met month by month, a commune's or province's villages passing — with the same
// numbers in a table beside it, and each criterion month by month. No JavaScript; the SVG prints with the page.
import Fluent
import Vapor

enum CriteriaCharts {
    struct Bar { var label: String; var value: Int; var total: Int; var good: Bool; var text: String }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Bars of `value` out of `total` (the total drawn as a pale bar behind), labelled under and above.
    static func bars(_ bars: [Bar], title: String) -> String {
        let w = 640.0, h = 220.0, top = 24.0, bottom = 34.0, left = 8.0, right = 8.0
        let plotH = h - top - bottom, plotW = w - left - right
        let maxTotal = max(1, bars.map { max($0.total, $0.value) }.max() ?? 1)
        let slot = plotW / Double(max(1, bars.count))
        let bw = min(56, slot * 0.7)
        var out = """
            <svg class="chart crit-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(w)) \(Int(h))" role="img" aria-label="\(escape(title))">\
            <title>\(escape(title))</title>
            """
        out += "<line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(w - right)\" y2=\"\(top + plotH)\" stroke=\"#555\" stroke-width=\"1\"/>"
        for (i, b) in bars.enumerated() {
            let x = left + slot * Double(i) + (slot - bw) / 2
            let th = plotH * Double(b.total) / Double(maxTotal)
            let vh = plotH * Double(b.value) / Double(maxTotal)
            out += "<rect x=\"\(fmt(x))\" y=\"\(fmt(top + plotH - th))\" width=\"\(fmt(bw))\" height=\"\(fmt(th))\" class=\"track\" fill=\"#e3e7ec\"/>"
            out += "<rect x=\"\(fmt(x))\" y=\"\(fmt(top + plotH - vh))\" width=\"\(fmt(bw))\" height=\"\(fmt(vh))\" class=\"\(b.good ? "pass" : "part")\" fill=\"\(b.good ? "#2e7d32" : "#b26a00")\"/>"
            out += "<text x=\"\(fmt(x + bw / 2))\" y=\"\(fmt(top + plotH - max(th, vh) - 6))\" font-size=\"13\" text-anchor=\"middle\" fill=\"#111\">\(escape(b.text))</text>"
            out += "<text x=\"\(fmt(x + bw / 2))\" y=\"\(fmt(h - 12))\" font-size=\"13\" text-anchor=\"middle\" fill=\"#333\">\(escape(b.label))</text>"
        }
        return out + "</svg>"
    }

    /// A unit's name as a chart label: without its kind ("Xã ", "Phường ", "Thị trấn "), whole words kept, at most
    /// `limit` characters (a longer one ends with "…"; the full name is the bar's tooltip and is in the table beside).
    static func label(_ name: String, limit: Int = 22) -> String {
        var n = name
        for prefix in ["Thị trấn ", "Phường ", "Xã ", "Đặc khu ", "Huyện ", "Quận ", "Thị xã "] where n.hasPrefix(prefix) && n.count > prefix.count {
            n = String(n.dropFirst(prefix.count)); break
        }
        guard n.count > limit else { return n }
        var out = ""
        for word in n.split(separator: " ") {
            if (out.isEmpty ? 0 : out.count + 1) + word.count > limit - 1 { break }
            out += (out.isEmpty ? "" : " ") + word
        }
        return (out.isEmpty ? String(n.prefix(limit - 1)) : out) + "…"
    }

    /// The communes' chart's drawing units: 360 wide, so that on a 390-pixel phone (366 pixels inside the page's
    /// margins) the 15-unit labels are drawn at 15 pixels, readable for an elderly reader; on paper the chart prints
    /// 11 cm wide (app.css), a part of 30 rows 24 cm tall, whole on one A4 page, its labels about 13 pt.
    static let rowsWidth = 360.0, rowsFont = 15.0, rowsRow = 26.0
    /// The longest unit name a row's label shows (the full name is the row's tooltip and is in the table beside).
    static let rowsLabel = 16

    /// Horizontal bars, one row per unit with its name on the left, for the province page's communes: names stay
    /// readable however many there are (a row each), on a phone as on paper. The text's size and colour are set once
    /// on the group around the rows, and whole numbers are written without decimals: 126 rows are most of the
    /// province page's bytes.
    static func rows(_ bars: [Bar], title: String) -> String {
        // The label's column fits 16 characters at 15 units, wide glyphs too ("Ứng Thiên Ứng Hòa" is cut after "Ứng
        // Thiên"); the figure's, "101/101".
        let w = rowsWidth, rowH = rowsRow, top = 6.0, labelW = 160.0, textW = 68.0
        let h = top * 2 + rowH * Double(max(1, bars.count))
        let plotW = w - labelW - textW
        let maxTotal = max(1, bars.map { max($0.total, $0.value) }.max() ?? 1)
        var out = """
            <svg class="chart crit-chart" data-chart="rows" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(fmt(w)) \(fmt(h))" role="img" aria-label="\(escape(title))">\
            <title>\(escape(title))</title><g font-size="\(fmt(rowsFont))" fill="#222">
            """
        for (i, b) in bars.enumerated() {
            let y = top + rowH * Double(i)
            let tw = plotW * Double(b.total) / Double(maxTotal), vw = plotW * Double(b.value) / Double(maxTotal)
            out += "<g><title>\(escape(b.label)): \(escape(b.text))</title>"
            out += "<text x=\"\(fmt(labelW - 8))\" y=\"\(fmt(y + rowH / 2 + 5))\" text-anchor=\"end\">\(escape(label(b.label, limit: rowsLabel)))</text>"
            out += "<rect x=\"\(fmt(labelW))\" y=\"\(fmt(y + 4))\" width=\"\(fmt(tw))\" height=\"\(fmt(rowH - 8))\" class=\"track\" fill=\"#e3e7ec\"/>"
            out += "<rect x=\"\(fmt(labelW))\" y=\"\(fmt(y + 4))\" width=\"\(fmt(vw))\" height=\"\(fmt(rowH - 8))\" class=\"\(b.good ? "pass" : "part")\" fill=\"\(b.good ? "#2e7d32" : "#b26a00")\"/>"
            out += "<text x=\"\(fmt(labelW + max(tw, vw) + 5))\" y=\"\(fmt(y + rowH / 2 + 5))\">\(escape(b.text))</text></g>"
        }
        return out + "</g></svg>"
    }

    /// A coordinate: one decimal, none for a whole number ("24", "121.7").
    static func fmt(_ d: Double) -> String {
        let tenths = (d * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(format: "%.1f", tenths / 10)
    }
}

/// The trend section of a unit's criteria page.
enum CriteriaTrends {
    struct MonthRow: Encodable { var month: String; var figure: String; var verdict: String; var state: String; var final: Bool }
    struct CriterionRow: Encodable { var code: String; var name: String; var cells: [String] }
    struct View: Encodable {
        var chart: String
        var caption: String
        var months: [MonthRow]
        var monthHeads: [String]
        var criteria: [CriterionRow]
        var village: Bool
    }

    static let months = 12

    static func monthLabel(_ m: String) -> String { "\(m.suffix(2))/\(m.dropFirst(2).prefix(2))" }

    /// The unit's last 12 months of snapshots of `set` (nil when it has none).
    static func view(unit: AdminUnit, set: CriteriaSet, lang: Lang, db: any Database) async throws -> View? {
        var snaps = try await CriteriaSnapshots.history(unit: unit.id!, set: set.id!, db: db)
        if snaps.isEmpty { return nil }
        snaps = Array(snaps.suffix(months))
        var bars: [CriteriaCharts.Bar] = []
        var rows: [MonthRow] = []
        let village = unit.kind == .village
        for s in snaps {
            let label = monthLabel(s.month)
            if village {
                let mandatory = (s.criteria ?? []).filter { $0.mandatory && !$0.rolledUp }
                let met = mandatory.filter { $0.passes == true }.count
                let text = "\(lang.number(met))/\(lang.number(mandatory.count))"
                bars.append(.init(label: label, value: met, total: mandatory.count, good: s.passes == true, text: text))
                rows.append(MonthRow(month: label, figure: lang.t("criteria.trendMet", [text]),
                                     verdict: lang.t(s.passes == true ? "criteria.passes" : "criteria.fails"), state: s.passes == true ? "pass" : "fail", final: s.final))
            } else {
                let p = s.unitsPassing ?? 0, n = s.units ?? 0
                let text = "\(lang.number(p))/\(lang.number(n))"
                bars.append(.init(label: label, value: p, total: n, good: n > 0 && p == n, text: text))
                rows.append(MonthRow(month: label, figure: lang.t("criteria.belowPassing", [lang.number(p), lang.number(n)]), verdict: "", state: "", final: s.final))
            }
        }
        let caption = lang.t(village ? "criteria.trendVillage" : "criteria.trendVillages")
        // Each criterion (by code, as the latest snapshot lists them) month by month.
        let codes = (snaps.last?.criteria ?? []).map { ($0.code, lang == .en ? ($0.nameEn ?? $0.name) : $0.name) }
        var crit: [CriterionRow] = []
        for (code, name) in codes {
            let cells = snaps.map { s -> String in
                guard let c = s.criteria?.first(where: { $0.code == code }) else { return "" }
                return cell(c, lang)
            }
            crit.append(CriterionRow(code: code, name: name, cells: cells))
        }
        return View(chart: CriteriaCharts.bars(bars, title: caption), caption: caption, months: rows, monthHeads: snaps.map { monthLabel($0.month) }, criteria: crit, village: village)
    }

    /// A criterion's figure in a month: the share or count, then ✓ (met), ✗ (not met), or k/n units passing.
    static func cell(_ c: SnapshotCriterionDTO, _ lang: Lang) -> String {
        var figure = ""
        if let v = c.value {
            switch c.thresholdKind {
            case .shareAtLeast: figure = lang.percent(v)
            case .countAtLeast: figure = lang.number(Int(v.rounded()))
            case .yesNo: figure = c.rolledUp ? lang.number(Int(v.rounded())) : lang.t(v >= 1 ? "criteria.yes" : "criteria.no")
            }
        } else { figure = "—" }
        if c.rolledUp { return figure + " · " + "\(lang.number(c.unitsPassing ?? 0))/\(lang.number(c.units ?? 0))" }
        return figure + (c.passes == true ? " ✓" : " ✗")
    }
}
