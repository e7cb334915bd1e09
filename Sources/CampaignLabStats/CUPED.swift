/// CUPED: variance reduction of a mean comparison with a pre-period covariate.
///
/// Each unit's outcome y is replaced by y − θ(x − x̄), with x the same customer's pre-period
/// value and θ = cov(x, y)/var(x) estimated on both arms pooled, so that θ does not depend on
/// the assignment. The comparison of adjusted means is then a Welch t comparison.
///
/// Reference: A. Deng, Y. Xu, R. Kohavi, T. Walker (2013), "Improving the Sensitivity of
/// Online Controlled Experiments by Utilizing Pre-Experiment Data", WSDM '13.
public enum CUPED {
    /// The pooled θ = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)² over both arms, with the pooled data
    /// centred on the overall means.
    public static func theta(treatment: PairedMoments, control: PairedMoments) -> Double {
        let pooled = treatment + control
        return pooled.sxx > 0 ? pooled.sxy / pooled.sxx : 0
    }

    /// The moments of the adjusted outcome y − θ(x − x̄_pooled) in one arm.
    public static func adjusted(_ arm: PairedMoments, theta: Double, pooledMeanX: Double) -> Moments {
        let mean = arm.meanY - theta * (arm.meanX - pooledMeanX)
        let ss = arm.syy - 2 * theta * arm.sxy + theta * theta * arm.sxx
        return Moments(count: arm.count, mean: mean, sumOfSquaredDeviations: max(ss, 0))
    }

    /// The CUPED-adjusted absolute difference of means (Welch t), with θ pooled.
    ///
    /// - Parameters: per-arm moments of (x = pre-period value, y = outcome).
    /// - Returns: the estimate and the θ used.
    public static func absoluteDifference(
        treatment: PairedMoments, control: PairedMoments,
        level: Double = 0.95
    ) -> (effect: EffectEstimate, theta: Double) {
        let theta = theta(treatment: treatment, control: control)
        let pooledMeanX = (treatment + control).meanX
        var effect = MeanComparison.absoluteDifference(
            treatment: adjusted(treatment, theta: theta, pooledMeanX: pooledMeanX),
            control: adjusted(control, theta: theta, pooledMeanX: pooledMeanX), level: level)
        effect.method = "difference of means, CUPED (pooled θ), Welch t (Welch–Satterthwaite df)"
        return (effect, theta)
    }
}
