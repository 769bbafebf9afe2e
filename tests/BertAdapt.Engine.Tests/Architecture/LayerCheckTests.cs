using BertAdapt.Engine.Tests.Architecture.Fixture.High;
using BertAdapt.Engine.Tests.Architecture.Fixture.Low;

namespace BertAdapt.Engine.Tests.Architecture;

/// <summary>
/// The layer check itself, on a two-layer fixture with known upward references: it must see
/// one in a signature, one only in a method body, one only inside a lambda, and nothing in
/// clean or downward code.
/// </summary>
public class LayerCheckTests
{
    static readonly LayerCheck Check = new([["Low"], ["High"]], type =>
        type.Namespace is { } ns && ns.StartsWith("BertAdapt.Engine.Tests.Architecture.Fixture.", StringComparison.Ordinal)
            ? ns.Split('.')[^1] : null);

    static readonly Type[] FixtureTypes = typeof(LayerCheckTests).Assembly.GetTypes()
        .Where(t => t.Namespace?.StartsWith("BertAdapt.Engine.Tests.Architecture.Fixture", StringComparison.Ordinal) == true).ToArray();

    [Theory]
    [InlineData(typeof(TakesHigherInSignature))]
    [InlineData(typeof(UsesHigherInBody))]
    [InlineData(typeof(UsesHigherInLambda))]
    public void ReportsAnUpwardReference(Type user)
    {
        var violations = Check.Violations(FixtureTypes);
        Assert.Contains(violations, v => v.StartsWith("Low -> High: ") && v.Contains(user.Name) && v.EndsWith(typeof(HighThing).FullName!));
    }

    [Fact]
    public void ReportsNothingForCleanOrDownwardCode()
    {
        var violations = Check.Violations(FixtureTypes);
        Assert.DoesNotContain(violations, v => v.Contains(nameof(Clean) + " uses") || v.StartsWith("High -> "));
        var users = violations.Select(v => v.Split(": ")[1].Split(" uses ")[0].Split('+')[0].Split('.')[^1]).Distinct().Order();
        Assert.Equal([nameof(TakesHigherInSignature), nameof(UsesHigherInBody), nameof(UsesHigherInLambda)], users);
    }

    [Fact]
    public void ReportsAPeerReference()
    {
        var peers = new LayerCheck([["Low", "High"]], type => type.Namespace?.Split('.')[^1] is "Low" or "High" ? type.Namespace!.Split('.')[^1] : null);
        Assert.Contains(peers.Violations(FixtureTypes), v => v.StartsWith("High -> Low: "));
    }
}
