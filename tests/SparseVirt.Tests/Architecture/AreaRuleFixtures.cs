// Two miniature "areas" and a foundation compiled into the test assembly, so the checker can be shown to catch
// references that only metadata reveals: a call inside a method body, a generic argument, a typeof() in an attribute.
#pragma warning disable CA1812, CA1822, CA1852 // never instantiated; shapes matter, not behaviour

namespace AreaRuleFixture.Shared
{
    internal static class Helper
    {
        public static int Twice(int value) => value * 2;
    }
}

namespace AreaRuleFixture.Beta
{
    internal static class Callee
    {
        public static int Answer() => AreaRuleFixture.Shared.Helper.Twice(21);
    }

    internal sealed class Payload;

    internal sealed class Marker;
}

namespace AreaRuleFixture.Alpha
{
    /// <summary>Uses Beta only inside a method body: no signature shows it.</summary>
    internal sealed class CallsInBody
    {
        public int Run() => AreaRuleFixture.Beta.Callee.Answer() + AreaRuleFixture.Shared.Helper.Twice(1);
    }

    /// <summary>Uses Beta only as a generic argument of a field's type.</summary>
    internal sealed class HoldsGeneric
    {
        public List<AreaRuleFixture.Beta.Payload> Items { get; } = [];
    }

    /// <summary>Uses Beta only in an attribute argument.</summary>
    [System.ComponentModel.TypeConverter(typeof(AreaRuleFixture.Beta.Marker))]
    internal sealed class NamesInAttribute;

    /// <summary>Uses only the foundation: no violation.</summary>
    internal sealed class UsesFoundation
    {
        public int Run() => AreaRuleFixture.Shared.Helper.Twice(2);
    }
}
