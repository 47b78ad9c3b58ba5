import Foundation

/// What the run and sweep reports share: the stylesheet and the self-check script that the
/// browser test reads.
public enum HTMLPage {
    /// The stylesheet shared by the run and sweep reports (no network).
    public static let style = """
    body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
    h1{font-size:1.6em;margin-bottom:4px}h2{font-size:1.2em;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
    .sub{color:#555;margin-top:0}.facts{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
    .fact{background:#f4f6f8;border-radius:6px;padding:8px 14px}.fact b{display:block;font-size:1.3em}
    svg.chart{max-width:100%;height:auto;background:#fff}svg .title{font-weight:600;font-size:14px}svg .tick{font-size:11px;fill:#333}
    svg .label{font-size:12px;fill:#333}svg .grid{stroke:#e5e5e5}svg .axis{stroke:#555}svg .frame{fill:none;stroke:#999}
    table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #eee;padding:3px 8px;text-align:left;vertical-align:top}
    th{background:#f4f6f8}.retracted{background:#fdecea}.flag{color:#b00020;font-weight:600}
    .strip{overflow-x:auto}.strip img{width:150px;display:block}.strip td{text-align:center;font-size:12px}
    .player img{max-width:100%;width:560px;border:1px solid #ddd}.charts{display:flex;flex-wrap:wrap;gap:8px}.note{color:#555;font-size:13px}.warning{color:#8a3b00;font-size:13px}code{background:#f4f6f8;padding:1px 4px;border-radius:3px}
    """

    /// Marks broken images and empty charts on the page itself (body data attributes) once it has
    /// loaded, for the browser check; writes nothing to the console when all is well.
    public static let selfCheckScript = """
    window.addEventListener('load', function () {
      var imgs = document.querySelectorAll('img'), broken = 0;
      imgs.forEach(function (i) { if (!i.complete || i.naturalWidth === 0) { broken++; } });
      var charts = document.querySelectorAll('svg.chart'), empty = 0;
      charts.forEach(function (c) { if (c.querySelectorAll('.datum').length === 0) { empty++; } });
      document.body.setAttribute('data-images', String(imgs.length));
      document.body.setAttribute('data-images-broken', String(broken));
      document.body.setAttribute('data-charts', String(charts.length));
      document.body.setAttribute('data-charts-empty', String(empty));
      if (broken > 0) { console.error('report: ' + broken + ' image(s) did not load'); }
      if (empty > 0) { console.error('report: ' + empty + ' chart(s) have no data'); }
    });
    """
}

/// Text escaped for HTML and SVG.
public func htmlEscape(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
