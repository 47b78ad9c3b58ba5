import Artifacts
import Cells
import Foundation
import SimCore
import Simulation

/// The pictures of `frames/`: cells by kind over the tissue, and a heat map per factor with a
/// colour bar; each with its time stamp.
public enum Frames {
    public static let keratinocyte: (UInt8, UInt8, UInt8) = (230, 190, 140)
    public static let fibroblast: (UInt8, UInt8, UInt8) = (40, 90, 200)
    public static let myofibroblast: (UInt8, UInt8, UInt8) = (20, 30, 110)
    public static let endothelial: (UInt8, UInt8, UInt8) = (200, 30, 40)
    public static let vessel: (UInt8, UInt8, UInt8) = (150, 60, 60)
    /// Macrophages: pro-inflammatory orange, pro-repair green.
    public static let inflammatoryMacrophage: (UInt8, UInt8, UInt8) = (240, 130, 20)
    public static let repairMacrophage: (UInt8, UInt8, UInt8) = (40, 160, 70)
    /// Neutrophils: purple.
    public static let neutrophil: (UInt8, UInt8, UInt8) = (140, 60, 190)
    public static let woundBed: (UInt8, UInt8, UInt8) = (250, 205, 215)
    public static let dermis: (UInt8, UInt8, UInt8) = (245, 238, 225)

    /// Pixels per site: the picture is at most about 600 pixels wide.
    static func scale(_ l: Lattice) -> Int { max(1, 600 / max(l.nx, l.ny)) }

    /// Top view: a keratinocyte where the epidermis has one, else the dermis cell, else the
    /// tissue (wound bed pink, dermis beige darkening with collagen, vessels dark red).
    public static func cells(_ world: World, label: String) -> RGBImage {
        let l = world.lattice, s = scale(l)
        let legend = 40
        var img = RGBImage(width: l.nx * s, height: l.ny * s + legend)
        let plane = l.nx * l.ny
        // The dermis seen from above is its top layer, under the epidermis.
        let layers = world.config.layerCompartments
        let epi = layers.firstIndex(of: .epidermis), der = layers.lastIndex(of: .dermis)
        for j in 0..<l.ny {
            for i in 0..<l.nx {
                var c = (UInt8(255), UInt8(255), UInt8(255))
                if let k = der {
                    let site = k * plane + j * l.nx + i
                    if world.regions.ids[site] == Tissue.woundBed {
                        let col = Double(world.collagen[site])
                        c = mix(woundBed, dermis, col)
                    } else { c = dermis }
                    if world.vessel[site] != 0 { c = vessel }
                    let cell = Int(world.cells.cellAt[site])
                    if cell >= 0 { c = color(world.cells, cell) }
                }
                if let k = epi {
                    let cell = Int(world.cells.cellAt[k * plane + j * l.nx + i])
                    if cell >= 0, der == nil || world.regions.ids[k * plane + j * l.nx + i] == Tissue.woundSurface {
                        c = color(world.cells, cell)
                    } else if der == nil, world.regions.ids[k * plane + j * l.nx + i] == Tissue.woundSurface {
                        c = woundBed
                    }
                }
                img.rect(i * s, (l.ny - 1 - j) * s, s, s, c)
            }
        }
        let y0 = l.ny * s + 6
        img.text(label, x: 4, y: y0, scale: 2)
        var x = 4
        var keys = [("K", keratinocyte), ("F", fibroblast), ("M", myofibroblast), ("E", endothelial), ("V", vessel)]
        if world.hasMacrophages { keys += [("I", inflammatoryMacrophage), ("R", repairMacrophage)] }
        if world.hasNeutrophils { keys.append(("N", neutrophil)) }
        for (name, c) in keys {
            img.rect(x, y0 + 18, 10, 10, c)
            img.text(name, x: x + 13, y: y0 + 18, scale: 1)
            x += 30
        }
        return img
    }

    static func color(_ cells: CellPopulation, _ c: Int) -> (UInt8, UInt8, UInt8) {
        switch CellKind(rawValue: cells.kind[c])! {
        case .keratinocyte: return keratinocyte
        case .fibroblast: return cells.flags[c] & CellFlags.myofibroblast.rawValue != 0 ? myofibroblast : fibroblast
        case .endothelial: return endothelial
        case .macrophage: return cells.flags[c] & CellFlags.repair.rawValue != 0 ? repairMacrophage : inflammatoryMacrophage
        case .neutrophil: return neutrophil
        }
    }

    static func mix(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8), _ t: Double) -> (UInt8, UInt8, UInt8) {
        let u = min(1, max(0, t))
        func m(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8((Double(x) * (1 - u) + Double(y) * u).rounded()) }
        return (m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
    }

    /// A perceptually ordered colour map (dark blue -> teal -> yellow), t in [0, 1].
    static func heat(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let stops: [(Double, (UInt8, UInt8, UInt8))] = [(0, (68, 1, 84)), (0.25, (59, 82, 139)), (0.5, (33, 145, 140)), (0.75, (94, 201, 98)), (1, (253, 231, 37))]
        let x = min(1, max(0, t))
        for k in 1..<stops.count where x <= stops[k].0 {
            return mix(stops[k - 1].1, stops[k].1, (x - stops[k - 1].0) / (stops[k].0 - stops[k - 1].0))
        }
        return stops.last!.1
    }

    /// Heat map of one factor in the top layer that has the wound (the dermis's top layer when
    /// there is one), scaled to its maximum, with a colour bar in ng/mL.
    public static func factor(_ world: World, _ f: Int, label: String) -> RGBImage {
        let l = world.lattice
        let k = world.config.layerCompartments.lastIndex(of: .dermis) ?? 0
        let b = world.fields.buffer(f)
        var top = 0.0
        for j in 0..<l.ny { for i in 0..<l.nx { top = max(top, b[l.index(i, j, k)]) } }
        let scaleMax = top > 0 ? top : 1
        return heatMap(l, layer: k, top: scaleMax, ticks: (number(scaleMax), number(scaleMax / 2)), unit: "ng/mL", label: label) { b[$0] }
    }

    /// One of the tissue's maps (`Formats.tissueMaps`) in the dermis: collagen as a heat map on a
    /// fixed 0-1 scale (a fraction of intact dermis, so pictures at different times compare);
    /// vessel and myofibroblast sites marked over the tissue (wound bed pink, dermis beige).
    public static func tissue(_ world: World, _ map: Formats.TissueMap, label: String) -> RGBImage {
        let l = world.lattice
        let k = world.config.layerCompartments.lastIndex(of: .dermis) ?? 0
        let v = map.values
        if map.name == "collagen" {
            return heatMap(l, layer: k, top: 1, ticks: ("1", "0.5"), unit: "of intact", label: label) { v[$0] }
        }
        let s = scale(l)
        let mark = map.name == "vessel" ? vessel : myofibroblast
        var img = RGBImage(width: l.nx * s, height: l.ny * s + 40)
        for j in 0..<l.ny { for i in 0..<l.nx {
            let site = l.index(i, j, k)
            let c = v[site] != 0 ? mark : (world.regions.ids[site] == Tissue.woundBed ? woundBed : dermis)
            img.rect(i * s, (l.ny - 1 - j) * s, s, s, c)
        } }
        img.text(label, x: 4, y: l.ny * s + 10, scale: 2)
        return img
    }

    /// A heat map of `value(site)` over one layer on the scale [0, top], with a colour bar whose
    /// top and middle ticks read `ticks` and whose unit reads `unit`.
    static func heatMap(_ l: Lattice, layer k: Int, top: Double, ticks: (String, String), unit: String, label: String,
                        value: (Int) -> Double) -> RGBImage {
        let s = scale(l)
        let bar = 90
        var img = RGBImage(width: l.nx * s + bar, height: l.ny * s + 40)
        for j in 0..<l.ny { for i in 0..<l.nx {
            img.rect(i * s, (l.ny - 1 - j) * s, s, s, heat(value(l.index(i, j, k)) / top))
        } }
        let x0 = l.nx * s + 10, h = l.ny * s
        for y in 0..<h { img.rect(x0, y, 16, 1, heat(1 - Double(y) / Double(max(1, h - 1)))) }
        img.text(ticks.0, x: x0 + 20, y: 0, scale: 1)
        img.text(ticks.1, x: x0 + 20, y: h / 2 - 4, scale: 1)
        img.text("0", x: x0 + 20, y: h - 8, scale: 1)
        img.text(unit, x: x0 + 20, y: h / 2 + 10, scale: 1)
        img.text(label, x: 4, y: h + 10, scale: 2)
        return img
    }

    static func number(_ x: Double) -> String {
        if x == 0 { return "0" }
        if x >= 0.01 && x < 1000 { return String(format: x < 1 ? "%.3f" : "%.2f", x) }
        return String(format: "%.2e", x)
    }
}
