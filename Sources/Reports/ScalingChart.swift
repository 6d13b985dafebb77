import Foundation

/// Maps a positive value to pixels on a log10 axis: `lo` → `from`, `hi` → `to`.
public struct LogScale: Sendable, Equatable {
    public var lo: Double, hi: Double
    /// The same axis in log10 units.
    public var linear: LinearScale
    public var from: Double { linear.from }
    public var to: Double { linear.to }

    public init(lo: Double, hi: Double, from: Double, to: Double) {
        self.lo = lo
        self.hi = hi
        linear = LinearScale(lo: log10(lo), hi: log10(hi), from: from, to: to)
    }

    public func callAsFunction(_ v: Double) -> Double { linear(log10(v)) }

    /// Whole decades covering `values` (at least one decade wide).
    public static func decades(_ values: [Double]) -> (lo: Double, hi: Double) {
        let pos = values.filter { $0 > 0 }
        guard let mn = pos.min(), let mx = pos.max() else { return (1, 10) }
        let a = floor(log10(mn)), b = max(ceil(log10(mx)), a + 1)
        return (pow(10, a), pow(10, b))
    }

    /// One tick per decade from lo to hi.
    public var ticks: [Double] {
        let a = Int(log10(lo).rounded()), b = Int(log10(hi).rounded())
        return a <= b ? (a...b).map { pow(10, Double($0)) } : []
    }
}

/// Maps a value to pixels linearly: `lo` → `from`, `hi` → `to`.
public struct LinearScale: Sendable, Equatable {
    public var lo: Double, hi: Double, from: Double, to: Double
    public init(lo: Double, hi: Double, from: Double, to: Double) {
        self.lo = lo
        self.hi = hi
        self.from = from
        self.to = to
    }

    public func callAsFunction(_ v: Double) -> Double {
        guard hi > lo else { return from }
        return from + (v - lo) / (hi - lo) * (to - from)
    }
}

/// pass@1 (or accuracy) vs parameter count, one line per benchmark: measured points with error bars (solid),
/// the paper's LLaMA points (dashed).
public struct ScalingChart: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var parameters: Double
        public var value: Double
        public var error: Double?
        public var label: String
    }

    public struct Series: Sendable, Equatable {
        public var name: String
        public var paper: Bool
        public var color: String
        public var points: [Point]
    }

    public var series: [Series]
    public var yLabel: String
    public var width = 780.0, height = 400.0
    public var left = 60.0, right = 250.0, top = 20.0, bottom = 50.0

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]

    /// The k = 1 columns of `table`: measured rows with a parameter count, and the paper's LLaMA rows.
    public static func build(_ table: CompareTable) -> ScalingChart {
        var series: [Series] = []
        let cols = table.columns.filter { $0.k == 1 }
        for (i, col) in cols.enumerated() {
            let color = palette[i % palette.count]
            func points(_ rows: [CompareRow]) -> [Point] {
                rows.compactMap { r in
                    guard let p = r.parameters, p > 0, let v = r.values[col.key] else { return nil }
                    return Point(parameters: p, value: v, error: r.standardErrors[col.key], label: r.paper ? r.label : r.model)
                }.sorted { $0.parameters < $1.parameters }
            }
            let measured = points(table.rows.filter { !$0.paper })
            let paper = points(table.rows.filter { $0.paper && $0.model == "LLaMA" })
            if !measured.isEmpty { series.append(Series(name: col.title, paper: false, color: color, points: measured)) }
            if !paper.isEmpty { series.append(Series(name: col.title + " (LLaMA paper)", paper: true, color: color, points: paper)) }
        }
        let code = cols.allSatisfy(\.isCode)
        return ScalingChart(series: series, yLabel: code ? "pass@1 (%)" : "pass@1 / accuracy (%)")
    }

    public var xScale: LogScale {
        let d = LogScale.decades(series.flatMap { $0.points.map(\.parameters) })
        return LogScale(lo: d.lo, hi: d.hi, from: left, to: width - right)
    }

    public var yScale: LinearScale {
        let top = series.flatMap { $0.points.map { $0.value + ($0.error ?? 0) } }.max() ?? 0
        let hi = max(10, (top / 10).rounded(.up) * 10)
        return LinearScale(lo: 0, hi: hi, from: height - bottom, to: self.top)
    }

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }

    public func svg() -> String {
        let x = xScale, y = yScale
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(yLabel)) vs parameters\">\n"
        let x0 = x.from, x1 = x.to, y0 = y.from, y1 = y.to
        s += "<rect x=\"\(Self.f(x0))\" y=\"\(Self.f(y1))\" width=\"\(Self.f(x1 - x0))\" height=\"\(Self.f(y0 - y1))\" fill=\"none\" stroke=\"#999\"/>\n"
        for t in x.ticks {
            let px = Self.f(x(t))
            s += "<line x1=\"\(px)\" y1=\"\(Self.f(y1))\" x2=\"\(px)\" y2=\"\(Self.f(y0))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(px)\" y=\"\(Self.f(y0 + 16))\" text-anchor=\"middle\">\(CompareTable.formatParameters(t))</text>\n"
        }
        for v in stride(from: 0.0, through: y.hi, by: y.hi > 50 ? 20 : 10) {
            let py = Self.f(y(v))
            s += "<line x1=\"\(Self.f(x0))\" y1=\"\(py)\" x2=\"\(Self.f(x1))\" y2=\"\(py)\" stroke=\"#eee\"/>"
            s += "<text x=\"\(Self.f(x0 - 6))\" y=\"\(py)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(Int(v))</text>\n"
        }
        s += "<text x=\"\(Self.f((x0 + x1) / 2))\" y=\"\(Self.f(height - 8))\" text-anchor=\"middle\">parameters (log scale)</text>\n"
        s += "<text transform=\"translate(14 \(Self.f((y0 + y1) / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>\n"
        for (i, ser) in series.enumerated() {
            let dash = ser.paper ? " stroke-dasharray=\"5 4\"" : ""
            let pts = ser.points.map { "\(Self.f(x($0.parameters))),\(Self.f(y($0.value)))" }.joined(separator: " ")
            s += "<g class=\"series\" data-name=\"\(HTML.escape(ser.name))\">\n"
            s += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(ser.color)\" stroke-width=\"2\"\(dash)/>\n"
            for p in ser.points {
                let px = Self.f(x(p.parameters))
                if let e = p.error, e > 0 {
                    let lo = Self.f(y(max(0, p.value - e))), hi = Self.f(y(p.value + e))
                    s += "<line class=\"errorbar\" x1=\"\(px)\" y1=\"\(lo)\" x2=\"\(px)\" y2=\"\(hi)\" stroke=\"\(ser.color)\"/>"
                }
                s += "<circle cx=\"\(px)\" cy=\"\(Self.f(y(p.value)))\" r=\"3.5\" fill=\"\(ser.paper ? "white" : ser.color)\" "
                    + "stroke=\"\(ser.color)\"><title>\(HTML.escape(p.label)): \(String(format: "%.1f", p.value))</title></circle>\n"
            }
            let ly = top + 8 + Double(i) * 18, lx = width - right + 12
            s += "<line x1=\"\(Self.f(lx))\" y1=\"\(Self.f(ly))\" x2=\"\(Self.f(lx + 22))\" y2=\"\(Self.f(ly))\" stroke=\"\(ser.color)\" stroke-width=\"2\"\(dash)/>"
            s += "<text x=\"\(Self.f(lx + 28))\" y=\"\(Self.f(ly))\" dominant-baseline=\"middle\">\(HTML.escape(ser.name))</text>\n</g>\n"
        }
        return s + "</svg>\n"
    }
}
