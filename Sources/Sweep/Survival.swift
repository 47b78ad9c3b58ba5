import Foundation

/// Times to an event that some runs never reach in the simulated time (a wound that does not
/// close is censored at the run's end, not given a time of zero or left out): the Kaplan-Meier
/// estimate of the median and its 95 % confidence interval.
public enum Survival {
    public struct Estimate: Sendable, Equatable {
        /// Runs counted, and those in which the event happened.
        public var n: Int, events: Int
        /// The Kaplan-Meier median [time unit of the input]; nil when fewer than half the runs
        /// reached the event ("not reached").
        public var median: Double?
        /// 95 % CI of the median (Brookmeyer-Crowley through the log-transformed Greenwood
        /// interval of the curve, as R's `survfit` reports it); a nil end is not reached.
        public var low: Double?, high: Double?
    }

    /// One observation: the time, and whether the event happened then (false: censored then).
    public typealias Observation = (time: Double, event: Bool)

    /// The Kaplan-Meier estimate of `observations` (Kaplan and Meier 1958, J Am Stat Assoc
    /// 53:457; Greenwood's variance; the median's interval from where the curve's 95 % band
    /// crosses one half, Brookmeyer and Crowley 1982, Biometrics 38:29).
    public static func kaplanMeier(_ observations: [Observation]) -> Estimate {
        let sorted = observations.sorted { $0.time < $1.time || ($0.time == $1.time && $0.event && !$1.event) }
        var atRisk = sorted.count
        var s = 1.0, greenwood = 0.0
        var median: Double? = nil, low: Double? = nil, high: Double? = nil
        var flatAtHalf: Double? = nil   // the curve sits at exactly 1/2 from this time on
        var i = 0
        let z = 1.959963984540054
        while i < sorted.count {
            let t = sorted[i].time
            var events = 0, leaving = 0
            while i < sorted.count && sorted[i].time == t {
                if sorted[i].event { events += 1 }
                leaving += 1
                i += 1
            }
            if events > 0 {
                s *= 1 - Double(events) / Double(atRisk)
                greenwood += atRisk > events ? Double(events) / (Double(atRisk) * Double(atRisk - events)) : .infinity
                let spread = exp(z * greenwood.squareRoot())
                let lower = s == 0 ? 0 : s / spread
                if let start = flatAtHalf, median == nil { median = (start + t) / 2 }
                if median == nil && flatAtHalf == nil && s <= 0.5 + 1e-12 {
                    // Exactly one half: the median is the middle of the flat stretch (R's
                    // convention, and the sample median without censoring).
                    if abs(s - 0.5) < 1e-12 { flatAtHalf = t } else { median = t }
                }
                if low == nil && lower <= 0.5 { low = t }
                // When the last at risk all reach the event the band is undefined (R gives NA):
                // the upper curve does not cross there.
                if greenwood.isFinite, high == nil && min(1, s * spread) <= 0.5 { high = t }
            }
            atRisk -= leaving
        }
        // Flat at one half to the last observation: the stretch has no end; its start is the median.
        if median == nil, let start = flatAtHalf { median = start }
        return Estimate(n: observations.count, events: observations.filter(\.event).count, median: median, low: low, high: high)
    }
}
