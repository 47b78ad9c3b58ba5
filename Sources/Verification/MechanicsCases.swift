import Fields

extension Verification {
    /// The axisymmetric elasticity solver against the analytic round inclusion: a wound of radius
    /// a = 3 mm whose granulation tissue (20 kPa) pulls with an active stress of 1 kPa, in skin
    /// (200 kPa) held still by a splint at b = 6 mm (b a multiple of every spacing), Poisson ratio 0.4. The element edges meet at
    /// r = a, so the jumps of modulus and stress lie on a node: linear elements then converge at
    /// second order in the nodal displacements. The plastic strain enters the same load: an
    /// isotropic plastic strain p in the wound equals an active stress -E p / (1 - nu), checked
    /// to round-off on the finest grid.
    static func inclusionAxisymmetric() -> VerificationResult {
        let a = 3e-3, b = 6e-3, inner = 2e4, outer = 2e5, nu = 0.4, tau = 1e3
        var errors: [Double] = []
        var equivalence = 0.0
        for k in [5, 10, 20, 40] {
            let h = a / Double(k)
            let n = 2 * k
            var sheet = AxisymmetricElasticity(spacing: h, elements: n, modulus: outer, poisson: nu)
            for e in 0..<k { sheet.modulus[e] = inner; sheet.activeStress[e] = tau }
            let u = sheet.solve()
            var worst = 0.0, scale = 0.0
            for i in 0...n {
                let exact = inclusionDisplacement(r: sheet.radius(i), a: a, b: b, inner: inner, outer: outer, nu: nu, tau: tau)
                worst = max(worst, abs(u[i] - exact)); scale = max(scale, abs(exact))
            }
            errors.append(worst / scale)
            if k == 40 {
                var plastic = AxisymmetricElasticity(spacing: h, elements: n, modulus: outer, poisson: nu)
                let p = -tau * (1 - nu) / inner
                for e in 0..<k { plastic.modulus[e] = inner; plastic.plasticRadial[e] = p; plastic.plasticHoop[e] = p }
                let v = plastic.solve()
                for i in 0...n { equivalence = max(equivalence, abs(v[i] - u[i]) / scale) }
            }
        }
        let p = order(errors[2], errors[3])
        return VerificationResult(
            name: "inclusion-axisymmetric",
            summary: "round contracting inclusion (3 mm, 20 kPa, 1 kPa active) in splinted skin (6 mm, 200 kPa), h = a/5..a/40",
            measurements: zip(["a/5", "a/10", "a/20", "a/40"], errors).map { .init(label: "max rel err \($0)", value: $1) }
                + [.init(label: "plastic = active", value: equivalence)],
            observedOrder: p, expectedOrder: 2, criterion: "1.8 <= order <= 2.2, err(a/40) <= 2e-4, plastic = active to 1e-12",
            passed: p >= 1.8 && p <= 2.2 && errors[3] <= 2e-4 && equivalence <= 1e-12)
    }
}
