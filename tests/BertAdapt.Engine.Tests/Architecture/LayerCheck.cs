using System.Reflection;
using System.Reflection.Emit;

namespace BertAdapt.Engine.Tests.Architecture;

/// <summary>
/// Finds references from a layer to a layer above it (or to a peer of the same rank) in a
/// compiled assembly. A type's references are its base type, interfaces, fields, properties,
/// events, method and constructor signatures, locals, and every type, field and method token in
/// its method bodies' IL, so a reference that no <c>using</c> names (a type of an enclosing
/// namespace, a fully qualified name, a lambda's closure) is still seen.
/// </summary>
sealed class LayerCheck(IReadOnlyList<string[]> ranks, Func<Type, string?> layerOf)
{
    const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance
        | BindingFlags.Static | BindingFlags.DeclaredOnly;

    static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The rank of a layer (0 is the bottom), or null for a layer the order leaves out.</summary>
    public int? RankOf(string layer)
    {
        for (int i = 0; i < ranks.Count; i++)
            if (ranks[i].Contains(layer)) return i;
        return null;
    }

    /// <summary>One line per (user, used) pair of types whose layers break the order.</summary>
    public IReadOnlyList<string> Violations(IEnumerable<Type> types)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            if (layerOf(type) is not { } from) continue;
            int fromRank = RankOf(from) ?? throw new InvalidOperationException($"Layer '{from}' of {type.FullName} has no place in the order.");
            foreach (var used in ReferencedTypes(type))
            {
                if (layerOf(used) is not { } to || to == from) continue;
                int toRank = RankOf(to) ?? throw new InvalidOperationException($"Layer '{to}' of {used.FullName} has no place in the order.");
                if (toRank >= fromRank) found.Add($"{from} -> {to}: {Name(type)} uses {Name(used)}");
            }
        }
        return found.ToList();
    }

    static string Name(Type type) => type.FullName ?? type.Name;

    /// <summary>Every type one type's declaration and code mention, with generic arguments and element types unwrapped.</summary>
    public static IEnumerable<Type> ReferencedTypes(Type type)
    {
        var direct = new List<Type?> { type.BaseType };
        direct.AddRange(type.GetInterfaces());
        foreach (var field in type.GetFields(Declared)) direct.Add(field.FieldType);
        foreach (var property in type.GetProperties(Declared)) direct.Add(property.PropertyType);
        foreach (var @event in type.GetEvents(Declared)) direct.Add(@event.EventHandlerType);
        var methods = type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared));
        foreach (var method in methods)
        {
            if (method is MethodInfo info) direct.Add(info.ReturnType);
            direct.AddRange(method.GetParameters().Select(p => p.ParameterType));
            direct.AddRange(BodyReferences(method));
        }
        var seen = new HashSet<Type>();
        foreach (var t in direct) Unwrap(t, seen);
        return seen;
    }

    static void Unwrap(Type? type, HashSet<Type> seen)
    {
        if (type is null || type.IsGenericParameter || !seen.Add(type)) return;
        if (type.HasElementType) Unwrap(type.GetElementType(), seen);
        if (type.IsGenericType)
            foreach (var argument in type.GetGenericArguments()) Unwrap(argument, seen);
    }

    /// <summary>The types behind the type, field and method tokens of a method body's IL, and its locals.</summary>
    static IEnumerable<Type?> BodyReferences(MethodBase method)
    {
        var body = method.GetMethodBody();
        if (body is null) yield break;
        foreach (var local in body.LocalVariables) yield return local.LocalType;
        var il = body.GetILAsByteArray() ?? [];
        var typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? unchecked((short)(0xFE00 | il[i + 1])) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var code = OpCodesByValue[value];
            if (code.OperandType is OperandType.InlineType or OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok)
            {
                var member = method.Module.ResolveMember(BitConverter.ToInt32(il, i), typeArguments, methodArguments);
                foreach (var t in TypesOf(member)) yield return t;
            }
            i += OperandSize(code.OperandType, il, i);
        }
    }

    static IEnumerable<Type?> TypesOf(MemberInfo? member)
    {
        switch (member)
        {
            case Type t:
                yield return t;
                break;
            case FieldInfo f:
                yield return f.DeclaringType;
                yield return f.FieldType;
                break;
            case MethodBase m:
                yield return m.DeclaringType;
                if (m is MethodInfo info) yield return info.ReturnType;
                foreach (var p in m.GetParameters()) yield return p.ParameterType;
                if (m.IsGenericMethod)
                    foreach (var a in m.GetGenericArguments()) yield return a;
                break;
        }
    }

    static int OperandSize(OperandType operand, byte[] il, int at) => operand switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,
    };
}
