namespace BertAdapt.Engine.Studies;

/// <summary>
/// Student's t distribution with any positive (also non-integer) degrees of freedom, as Welch's
/// test needs: the distribution function through the regularized incomplete beta function, and
/// its inverse by bisection. Written from the textbook identities
/// P(T ≤ t) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, and the continued fraction for I_x(a, b).
/// </summary>
public static class StudentT
{
    /// <summary>P(T ≤ <paramref name="t"/>) for <paramref name="degreesOfFreedom"/> ν &gt; 0.</summary>
    public static double Cdf(double t, double degreesOfFreedom)
    {
        if (!(degreesOfFreedom > 0)) throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), "The degrees of freedom must be positive.");
        if (double.IsNaN(t)) return double.NaN;
        if (double.IsPositiveInfinity(t)) return 1;
        if (double.IsNegativeInfinity(t)) return 0;
        double x = degreesOfFreedom / (degreesOfFreedom + t * t);
        double tail = 0.5 * RegularizedIncompleteBeta(x, degreesOfFreedom / 2, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>The t with P(T ≤ t) = <paramref name="probability"/>: t(0.975, 2) = 4.303, t(0.975, 10) = 2.228.</summary>
    public static double Quantile(double probability, double degreesOfFreedom)
    {
        if (!(probability > 0 && probability < 1)) throw new ArgumentOutOfRangeException(nameof(probability), "The probability must be in (0, 1).");
        if (!(degreesOfFreedom > 0)) throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), "The degrees of freedom must be positive.");
        if (probability < 0.5) return -Quantile(1 - probability, degreesOfFreedom);
        if (probability == 0.5) return 0;
        double low = 0, high = 1;
        while (Cdf(high, degreesOfFreedom) < probability) { low = high; high *= 2; }
        // Bisection halves the bracket each time: 200 halvings reach the last bit of a double.
        for (int i = 0; i < 200 && high - low > 1e-15 * Math.Max(1, high); i++)
        {
            double middle = 0.5 * (low + high);
            if (Cdf(middle, degreesOfFreedom) < probability) low = middle; else high = middle;
        }
        return 0.5 * (low + high);
    }

    /// <summary>I_x(a, b), the regularized incomplete beta function, for a, b &gt; 0 and 0 ≤ x ≤ 1.</summary>
    public static double RegularizedIncompleteBeta(double x, double a, double b)
    {
        if (!(a > 0) || !(b > 0)) throw new ArgumentOutOfRangeException(nameof(a), "a and b must be positive.");
        if (!(x >= 0 && x <= 1)) throw new ArgumentOutOfRangeException(nameof(x), "x must be in [0, 1].");
        if (x == 0) return 0;
        if (x == 1) return 1;
        // x^a (1-x)^b / (a B(a, b)), in logs so that large a and b do not overflow.
        double front = Math.Exp(a * Math.Log(x) + b * Math.Log(1 - x) - LogBeta(a, b));
        // The continued fraction converges fast for x below (a+1)/(a+b+2); above it, the symmetry
        // I_x(a, b) = 1 - I_{1-x}(b, a) keeps it in that region.
        return x < (a + 1) / (a + b + 2)
            ? front * ContinuedFraction(x, a, b) / a
            : 1 - front * ContinuedFraction(1 - x, b, a) / b;
    }

    /// <summary>
    /// The continued fraction 1/(1+ d1/(1+ d2/(1+ ...))) of the incomplete beta function, with
    /// d_{2m+1} = -(a+m)(a+b+m)x / ((a+2m)(a+2m+1)) and d_{2m} = m(b-m)x / ((a+2m-1)(a+2m)),
    /// evaluated by the modified Lentz method.
    /// </summary>
    static double ContinuedFraction(double x, double a, double b)
    {
        const double Tiny = 1e-300, Epsilon = 1e-15;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        if (Math.Abs(d) < Tiny) d = Tiny;
        d = 1 / d;
        double result = d;
        for (int m = 1; m <= 10000; m++)
        {
            double even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
            d = 1 + even * d; if (Math.Abs(d) < Tiny) d = Tiny;
            c = 1 + even / c; if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            result *= d * c;
            double odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
            d = 1 + odd * d; if (Math.Abs(d) < Tiny) d = Tiny;
            c = 1 + odd / c; if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            double step = d * c;
            result *= step;
            if (Math.Abs(step - 1) < Epsilon) break;
        }
        return result;
    }

    static double LogBeta(double a, double b) => LogGamma(a) + LogGamma(b) - LogGamma(a + b);

    /// <summary>
    /// ln Γ(x) for x &gt; 0: the recurrence Γ(x) = Γ(x+1)/x lifts x to at least 15, where
    /// Stirling's series (x−½)ln x − x + ½ln 2π + 1/12x − 1/360x³ + 1/1260x⁵ − 1/1680x⁷ + 1/1188x⁹
    /// is good to better than 1e-15 relative.
    /// </summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0)) throw new ArgumentOutOfRangeException(nameof(x), "x must be positive.");
        double shift = 0;
        while (x < 15) { shift += Math.Log(x); x += 1; }
        double inverse = 1 / x, inverseSquared = inverse * inverse;
        double series = inverse * (1.0 / 12 - inverseSquared * (1.0 / 360 - inverseSquared * (1.0 / 1260 - inverseSquared * (1.0 / 1680 - inverseSquared / 1188))));
        return (x - 0.5) * Math.Log(x) - x + 0.5 * Math.Log(2 * Math.PI) + series - shift;
    }
}
