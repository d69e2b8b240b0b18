using System.Text;

namespace ConnectorHealth.Drift.Schemas;

/// <summary>
/// The type strings OpenLineage producers write in a dataset's schema facet (SQL, Spark, BigQuery, Avro, dbt …), read
/// into drift's type model. Case and spacing do not matter, nor do parameters: <c>VARCHAR(10)</c> and
/// <c>varchar (255)</c> are the same string type, <c>DECIMAL(10,2)</c> and <c>numeric</c> the same number.
/// <list type="bullet">
/// <item>string: <c>varchar</c>, <c>char</c>, <c>text</c>, <c>string</c>, <c>character varying</c>, <c>uuid</c>, …</item>
/// <item>integer: <c>int</c>, <c>integer</c>, <c>bigint</c>, <c>smallint</c>, <c>tinyint</c>, <c>long</c>, <c>int64</c>, …</item>
/// <item>number: <c>decimal</c>, <c>numeric</c>, <c>double</c>, <c>float</c>, <c>real</c>, <c>double precision</c>, …
/// (an integer column becoming a number one is widened, as in payloads: every integer is a number)</item>
/// <item>boolean: <c>boolean</c>, <c>bool</c></item>
/// <item>string with detail <c>date-time</c> (<c>timestamp</c>, <c>timestamp_ntz</c>, <c>timestamptz</c>, <c>timestamp with
/// time zone</c>, <c>datetime</c>), <c>date</c> or <c>time</c></item>
/// <item>object: <c>struct&lt;…&gt;</c>, <c>record</c>, <c>row(…)</c>, <c>map&lt;…&gt;</c></item>
/// <item>array: <c>array&lt;…&gt;</c>, <c>list</c>, <c>int[]</c> (the item type, when written, is the items' field)</item>
/// <item>anything else: no JSON type, with the normalised text as detail (an opaque type, equal only to itself)</item>
/// </list>
/// </summary>
public static class DatasetTypes
{
    /// <summary>How deep <c>array&lt;array&lt;…&gt;&gt;</c> item types are followed.</summary>
    public const int MaxItemDepth = 8;

    /// <summary>Characters of an unknown type's text kept as its detail (a type string may have 2,000).</summary>
    public const int MaxUnknownLength = 200;

    private static readonly Dictionary<string, (JsonTypes Types, string? Detail)> Known = Build();

    /// <summary>
    /// Lower case, runs of white space as one space, no space next to <c>( ) &lt; &gt; , [ ]</c>, and trimmed; parameters in
    /// parentheses are kept (they are dropped by <see cref="Kind"/>). Idempotent.
    /// </summary>
    public static string Normalise(string? type)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            return string.Empty;
        }
        var text = new StringBuilder(type.Length);
        var pendingSpace = false;
        foreach (var c in type)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                pendingSpace = text.Length > 0;
                continue;
            }
            var tight = IsPunctuation(c);
            if (pendingSpace && !tight && !IsPunctuation(text[^1]))
            {
                text.Append(' ');
            }
            pendingSpace = false;
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }

    /// <summary>
    /// The type a type string names: JSON types, and a detail (a finer string kind, or the normalised text of a type
    /// not known). An empty or absent type string is no type at all (<see cref="JsonTypes.None"/> without detail).
    /// Never throws.
    /// </summary>
    public static (JsonTypes Types, string? Detail) Kind(string? type)
    {
        var text = WithoutParameters(Normalise(type));
        if (text.Length == 0)
        {
            return (JsonTypes.None, null);
        }
        if (text.EndsWith("[]", StringComparison.Ordinal))
        {
            return (JsonTypes.Array, null);
        }
        var generic = text.IndexOf('<');
        var head = generic > 0 ? text[..generic] : text;
        if (Known.TryGetValue(head, out var known))
        {
            return known;
        }
        if (head.StartsWith("timestamp", StringComparison.Ordinal) || head.StartsWith("datetime", StringComparison.Ordinal))
        {
            return (JsonTypes.String, "date-time");
        }
        if (head.StartsWith("time ", StringComparison.Ordinal))
        {
            return (JsonTypes.String, "time");
        }
        return (JsonTypes.None, text.Length <= MaxUnknownLength ? text : text[..MaxUnknownLength].TrimEnd(' ', '[', ']'));
    }

    /// <summary>The item type written in an array type (<c>array&lt;int&gt;</c> → <c>int</c>, <c>int[]</c> → <c>int</c>); null when none is.</summary>
    public static string? ItemType(string? type)
    {
        var text = Normalise(type);
        if (text.EndsWith("[]", StringComparison.Ordinal))
        {
            return text[..^2];
        }
        var open = text.IndexOf('<');
        if (open <= 0 || !text.EndsWith('>') || Kind(text).Types != JsonTypes.Array)
        {
            return null;
        }
        var inner = text[(open + 1)..^1];
        return inner.Length == 0 ? null : inner;
    }

    private static bool IsPunctuation(char c) => c is '(' or ')' or '<' or '>' or ',' or '[' or ']' or ':';

    // Parameters in parentheses (lengths, precision, scale, time zones as in datetime64(3, 'utc')) never matter.
    private static string WithoutParameters(string text)
    {
        if (!text.Contains('('))
        {
            return text;
        }
        var kept = new StringBuilder(text.Length);
        var depth = 0;
        foreach (var c in text)
        {
            if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth = Math.Max(0, depth - 1);
            }
            else if (depth == 0)
            {
                kept.Append(c);
            }
        }
        return kept.ToString().Trim();
    }

    private static Dictionary<string, (JsonTypes, string?)> Build()
    {
        var known = new Dictionary<string, (JsonTypes, string?)>(StringComparer.Ordinal);
        void Add((JsonTypes, string?) kind, params string[] names)
        {
            foreach (var name in names)
            {
                known[name] = kind;
            }
        }
        Add((JsonTypes.String, null), "varchar", "char", "character", "character varying", "nvarchar", "nchar", "varchar2", "nvarchar2",
            "text", "string", "clob", "bpchar", "citext", "uuid", "uniqueidentifier", "enum", "longtext", "mediumtext", "tinytext",
            "national character varying", "fixedstring");
        Add((JsonTypes.Integer, null), "int", "integer", "bigint", "smallint", "tinyint", "mediumint", "long", "short", "byte",
            "int8", "int16", "int32", "int64", "int2", "int4", "uint8", "uint16", "uint32", "uint64", "serial", "bigserial",
            "smallserial", "hugeint", "unsigned", "integer unsigned", "bigint unsigned", "int unsigned");
        Add((JsonTypes.Number, null), "decimal", "numeric", "number", "double", "double precision", "float", "float4", "float8",
            "float32", "float64", "real", "money", "bignumeric", "bigdecimal", "dec");
        Add((JsonTypes.Boolean, null), "boolean", "bool");
        Add((JsonTypes.String, "date-time"), "timestamp", "timestamp_ntz", "timestamp_ltz", "timestamp_tz", "timestamptz",
            "timestamp with time zone", "timestamp without time zone", "timestamp with local time zone", "datetime", "datetime2",
            "datetimeoffset", "smalldatetime", "datetime64", "instant");
        Add((JsonTypes.String, "date"), "date", "date32");
        Add((JsonTypes.String, "time"), "time", "timetz", "time with time zone", "time without time zone");
        Add((JsonTypes.Object, null), "struct", "record", "row", "map", "object", "tuple");
        Add((JsonTypes.Array, null), "array", "list", "repeated");
        return known;
    }
}
