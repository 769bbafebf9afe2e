// Two tiny layers for LayerCheckTests: Low must not use High; High may use Low.
namespace BertAdapt.Engine.Tests.Architecture.Fixture.Low
{
    public sealed class Clean
    {
        public int Value => 1;
    }

    public sealed class TakesHigherInSignature
    {
        public static int Read(High.HighThing thing) => thing.Value;
    }

    public sealed class UsesHigherInBody
    {
        public static int Count() => new High.HighThing().Value;
    }

    public sealed class UsesHigherInLambda
    {
        public static Func<int> Later() => () => new High.HighThing().Value;
    }
}

namespace BertAdapt.Engine.Tests.Architecture.Fixture.High
{
    public sealed class HighThing
    {
        public int Value => 2 + new Low.Clean().Value;
    }
}
