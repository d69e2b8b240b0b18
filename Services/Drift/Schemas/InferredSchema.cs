using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace ConnectorHealth.Drift.Schemas;

/// <summary>
/// A payload's schema: its fields sorted by path, and a fingerprint that identifies the schema whatever the order of
/// keys in the payload. Partial when the payload was cut before inference or inference stopped at a limit.
/// </summary>
public sealed class InferredSchema
{
    private static readonly Comparison<FieldSchema> ByPath = static (a, b) => string.CompareOrdinal(a.Path, b.Path);

    private InferredSchema(FieldSchema[] fields, string[] limitsHit, bool payloadTruncated, string[] topLevelKeys)
    {
        Fields = fields;
        Fingerprint = FingerprintOf(fields);
        LimitsHit = limitsHit;
        PayloadTruncated = payloadTruncated;
        TopLevelKeys = topLevelKeys;
    }

    /// <summary>Sorted by path (ordinal).</summary>
    public IReadOnlyList<FieldSchema> Fields { get; }

    /// <summary>32 lowercase hex digits (128 bits of SHA-256) over the fields; see <see cref="FingerprintOf"/>.</summary>
    public string Fingerprint { get; }

    /// <summary>The <see cref="InferenceLimit"/> names of the limits inference reached, in a fixed order.</summary>
    public IReadOnlyList<string> LimitsHit { get; }

    public bool PayloadTruncated { get; }

    public bool Partial => PayloadTruncated || LimitsHit.Count > 0;

    /// <summary>The root object's keys as written (unescaped), sorted ordinal, including any left out by a limit; empty when the root is not an object.</summary>
    public IReadOnlyList<string> TopLevelKeys { get; }

    /// <summary>
    /// A schema rebuilt from stored fields, with the fingerprint computed as at inference. Without
    /// <paramref name="topLevelKeys"/>, the root's members among the fields are taken.
    /// </summary>
    /// <exception cref="ArgumentException">Two fields have the same path.</exception>
    public static InferredSchema FromFields(
        IEnumerable<FieldSchema> fields,
        IEnumerable<string>? limitsHit = null,
        bool payloadTruncated = false,
        IEnumerable<string>? topLevelKeys = null)
    {
        var sorted = fields.ToArray();
        Array.Sort(sorted, ByPath);
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].Path == sorted[i - 1].Path)
            {
                throw new ArgumentException($"The path '{sorted[i].Path}' appears more than once.", nameof(fields));
            }
        }
        var keys = topLevelKeys?.Distinct(StringComparer.Ordinal).ToArray() ?? RootMembers(sorted);
        Array.Sort(keys, StringComparer.Ordinal);
        return new InferredSchema(sorted, limitsHit?.Distinct(StringComparer.Ordinal).ToArray() ?? [], payloadTruncated, keys);
    }

    /// <summary>
    /// The first 16 bytes of SHA-256, in lowercase hex, over one UTF-8 line per field in path order (ordinal):
    /// <c>path TAB types TAB always|optional LF</c>, with types as <see cref="FieldSchema.TypeText"/> writes them. A
    /// path cannot hold a tab or line feed (control characters are escaped), so the text is unambiguous.
    /// </summary>
    public static string FingerprintOf(IReadOnlyList<FieldSchema> fields)
    {
        var sorted = fields as FieldSchema[] ?? [.. fields];
        if (!IsSorted(sorted))
        {
            sorted = [.. sorted];
            Array.Sort(sorted, ByPath);
        }
        var length = 0;
        foreach (var field in sorted)
        {
            length += Encoding.UTF8.GetByteCount(field.Path) + Encoding.UTF8.GetByteCount(Types(field)) + Flag(field).Length + 3;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var at = 0;
            foreach (var field in sorted)
            {
                at += Encoding.UTF8.GetBytes(field.Path, buffer.AsSpan(at));
                buffer[at++] = (byte)'\t';
                at += Encoding.UTF8.GetBytes(Types(field), buffer.AsSpan(at));
                buffer[at++] = (byte)'\t';
                at += Encoding.ASCII.GetBytes(Flag(field), buffer.AsSpan(at));
                buffer[at++] = (byte)'\n';
            }
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.AsSpan(0, at), hash);
            return Convert.ToHexStringLower(hash[..16]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Used by the inferrer, whose fields are unique by construction.</summary>
    internal static InferredSchema Create(FieldSchema[] fields, string[] limitsHit, bool payloadTruncated, string[] topLevelKeys)
    {
        Array.Sort(fields, ByPath);
        return new InferredSchema(fields, limitsHit, payloadTruncated, topLevelKeys);
    }

    private static string Types(FieldSchema field) => field.TypeText;

    private static string Flag(FieldSchema field) => field.Optional ? "optional" : "always";

    private static bool IsSorted(FieldSchema[] fields)
    {
        for (var i = 1; i < fields.Length; i++)
        {
            if (string.CompareOrdinal(fields[i - 1].Path, fields[i].Path) > 0)
            {
                return false;
            }
        }
        return true;
    }

    private static string[] RootMembers(FieldSchema[] fields)
    {
        var root = Array.Find(fields, f => f.Path == FieldPath.Root);
        if (root is null || !root.Types.HasFlag(JsonTypes.Object))
        {
            return [];
        }
        return fields
            .Where(f => FieldPath.Parent(f.Path) == FieldPath.Root)
            .Select(f => FieldPath.MemberName(f.Path))
            .OfType<string>()
            .ToArray();
    }
}
