using System.Text.Json;
using ConnectorHealth.Drift.Schemas;

namespace ConnectorHealth.UnitTests.Drift;

internal static class DriftTestSupport
{
    // Deep enough for the hostile nesting cases; the inferrer's own limit is what is under test.
    private static readonly JsonDocumentOptions Parsing = new() { MaxDepth = 1024 };

    public static InferredSchema Infer(string json, InferenceLimits? limits = null, bool truncated = false)
    {
        using var document = JsonDocument.Parse(json, Parsing);
        return new SchemaInferrer(limits ?? new InferenceLimits()).Infer(document.RootElement, truncated);
    }

    /// <summary>Each field as <c>path: types</c>, with <c> optional</c> when it is.</summary>
    public static string[] Lines(InferredSchema schema) =>
        [.. schema.Fields.Select(f => $"{f.Path}: {JsonTypesText.Format(f.Types, f.Nullable)}{(f.Optional ? " optional" : "")}")];

    /// <summary>Expected <see cref="Lines"/> in the order of the fields: by path, ordinal.</summary>
    public static string[] InPathOrder(IEnumerable<string> lines) =>
        [.. lines.OrderBy(line => line[..line.LastIndexOf(": ", StringComparison.Ordinal)], StringComparer.Ordinal)];

    /// <summary>A field from <c>types</c> or <c>types optional</c>, e.g. <c>number|null optional</c>.</summary>
    public static FieldSchema Field(string path, string spec)
    {
        var optional = spec.EndsWith(" optional", StringComparison.Ordinal);
        var (types, nullable) = JsonTypesText.Parse(optional ? spec[..^" optional".Length] : spec);
        return new FieldSchema(path, types, nullable, optional);
    }

    public static FieldSchema RootObject { get; } = new(FieldPath.Root, JsonTypes.Object, false, false);
}
