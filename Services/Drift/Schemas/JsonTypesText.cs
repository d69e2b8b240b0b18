namespace ConnectorHealth.Drift.Schemas;

/// <summary>
/// The text form of a field's types, as shown in changes and hashed into fingerprints: the type names joined by
/// <c>|</c> in a fixed order (boolean, integer, number, string, object, array, then null), e.g. <c>number|string</c>,
/// <c>string|null</c>, <c>null</c> when only null was seen, <c>none</c> when nothing was.
/// </summary>
public static class JsonTypesText
{
    public const string NullName = "null";
    public const string NoneName = "none";

    private const int AllTypes = 63;

    private static readonly (JsonTypes Type, string Name)[] Names =
    [
        (JsonTypes.Boolean, "boolean"), (JsonTypes.Integer, "integer"), (JsonTypes.Number, "number"),
        (JsonTypes.String, "string"), (JsonTypes.Object, "object"), (JsonTypes.Array, "array"),
    ];

    // Every combination formatted once, so formatting on the hot path never allocates.
    private static readonly string[] Texts = Enumerable.Range(0, (AllTypes + 1) * 2)
        .Select(i => Build((JsonTypes)(i >> 1), (i & 1) == 1))
        .ToArray();

    public static string Format(JsonTypes types, bool nullable)
    {
        var index = (int)types;
        if ((uint)index > AllTypes)
        {
            throw new ArgumentOutOfRangeException(nameof(types), types, "Not a combination of JSON types.");
        }
        return Texts[(index << 1) | (nullable ? 1 : 0)];
    }

    /// <summary>Reads what <see cref="Format"/> writes (the names in any order).</summary>
    /// <exception cref="FormatException">A name is unknown or missing.</exception>
    public static (JsonTypes Types, bool Nullable) Parse(string text) =>
        TryParse(text, out var types, out var nullable)
            ? (types, nullable)
            : throw new FormatException($"'{text}' is not a list of JSON types such as 'integer' or 'number|string|null'.");

    public static bool TryParse(ReadOnlySpan<char> text, out JsonTypes types, out bool nullable)
    {
        types = JsonTypes.None;
        nullable = false;
        if (text.SequenceEqual(NoneName))
        {
            return true;
        }
        foreach (var range in text.Split('|'))
        {
            var name = text[range];
            if (name.SequenceEqual(NullName))
            {
                nullable = true;
                continue;
            }
            var known = false;
            foreach (var (type, typeName) in Names)
            {
                if (name.SequenceEqual(typeName))
                {
                    types |= type;
                    known = true;
                    break;
                }
            }
            if (!known)
            {
                types = JsonTypes.None;
                nullable = false;
                return false;
            }
        }
        return true;
    }

    private static string Build(JsonTypes types, bool nullable)
    {
        var names = Names.Where(n => types.HasFlag(n.Type)).Select(n => n.Name).ToList();
        if (nullable)
        {
            names.Add(NullName);
        }
        return names.Count == 0 ? NoneName : string.Join('|', names);
    }
}
