using System.Text.Json;

namespace ConnectorHealth.Drift.PayloadContracts;

/// <summary>
/// The shape of a contract document as a graph of subschemas, read before the JSON Schema library sees it, to refuse
/// what no payload could be checked against in bounded time and stack: a cycle of in-place applicators (a subschema
/// that, through <c>$ref</c>, <c>allOf</c>, <c>anyOf</c>, <c>oneOf</c>, <c>not</c>, <c>if</c>/<c>then</c>/<c>else</c> or
/// <c>dependentSchemas</c>, is applied again to the same value: evaluation never ends), and nesting deeper than
/// <see cref="MaxDepth"/> levels, in the document or along a chain of references. Recursion through <c>properties</c>,
/// <c>items</c> and the like moves into the payload and ends with it: that is how trees are described, and is allowed.
/// </summary>
public static class ContractGraph
{
    /// <summary>How deep a contract may nest: JSON levels of the document, and subschemas along in-place references.</summary>
    public const int MaxDepth = 64;

    // Keywords whose value is one subschema, an array of subschemas, or an object whose values are subschemas.
    private static readonly HashSet<string> SingleKeywords =
    [
        "not", "if", "then", "else", "additionalProperties", "unevaluatedProperties", "propertyNames", "additionalItems",
        "unevaluatedItems", "contains", "contentSchema", "items",
    ];
    private static readonly HashSet<string> ArrayKeywords = ["allOf", "anyOf", "oneOf", "prefixItems", "items"];
    private static readonly HashSet<string> MapKeywords =
        ["properties", "patternProperties", "dependentSchemas", "dependencies", "$defs", "definitions"];

    // Those that apply their subschemas to the very value being checked (the rest move into it, or only hold schemas).
    private static readonly HashSet<string> InPlaceKeywords =
        ["not", "if", "then", "else", "allOf", "anyOf", "oneOf", "dependentSchemas", "dependencies"];

    private static readonly Uri DocumentBase = new("https://contract.connectorhealth.invalid/schema.json");

    /// <summary>Why the document cannot be checked in bounded time and stack, or null when it can.</summary>
    public static string? Problem(JsonElement document)
    {
        if (DepthOf(document) > MaxDepth)
        {
            return $"The contract schema nests deeper than {MaxDepth} levels.";
        }
        var graph = new Graph();
        graph.Add(document, "", DocumentBase, resourceRoot: "");
        return graph.Problem();
    }

    /// <summary>
    /// Calls <paramref name="writeSchemaStart"/> on every subschema object of the document as it is copied to
    /// <paramref name="writer"/> (right after the object is opened), so that something can be added to each.
    /// </summary>
    public static void Copy(JsonElement schema, Utf8JsonWriter writer, Action<Utf8JsonWriter> writeSchemaStart)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            schema.WriteTo(writer);
            return;
        }
        writer.WriteStartObject();
        writeSchemaStart(writer);
        foreach (var property in schema.EnumerateObject())
        {
            writer.WritePropertyName(property.Name);
            var value = property.Value;
            if (ArrayKeywords.Contains(property.Name) && value.ValueKind == JsonValueKind.Array)
            {
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    Copy(item, writer, writeSchemaStart);
                }
                writer.WriteEndArray();
            }
            else if (MapKeywords.Contains(property.Name) && value.ValueKind == JsonValueKind.Object)
            {
                writer.WriteStartObject();
                foreach (var entry in value.EnumerateObject())
                {
                    writer.WritePropertyName(entry.Name);
                    Copy(entry.Value, writer, writeSchemaStart);
                }
                writer.WriteEndObject();
            }
            else if (SingleKeywords.Contains(property.Name))
            {
                Copy(value, writer, writeSchemaStart);
            }
            else
            {
                value.WriteTo(writer);
            }
        }
        writer.WriteEndObject();
    }

    private static int DepthOf(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => 1 + element.EnumerateObject().Select(p => DepthOf(p.Value)).DefaultIfEmpty(0).Max(),
        JsonValueKind.Array => 1 + element.EnumerateArray().Select(DepthOf).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Display(string pointer) => "#" + pointer;

    private sealed class Node(string pointer, JsonElement schema, Uri baseUri, string resourceRoot)
    {
        public string Pointer { get; } = pointer;
        public JsonElement Schema { get; } = schema;
        public Uri BaseUri { get; } = baseUri;
        public string ResourceRoot { get; } = resourceRoot;
        public List<string> InPlace { get; } = [];
    }

    private sealed class Graph
    {
        private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _resources = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> _anchors = new(StringComparer.Ordinal);
        private readonly List<string> _recursiveAnchors = [];

        public void Add(JsonElement schema, string pointer, Uri baseUri, string resourceRoot)
        {
            if (schema.ValueKind != JsonValueKind.Object)
            {
                _nodes[pointer] = new Node(pointer, schema, baseUri, resourceRoot);
                return;
            }
            if (schema.TryGetProperty("$id", out var id) && id.ValueKind == JsonValueKind.String
                && Uri.TryCreate(baseUri, id.GetString(), out var resolved))
            {
                baseUri = resolved;
                resourceRoot = pointer;
                _resources.TryAdd(WithoutFragment(resolved), pointer);
            }
            var node = new Node(pointer, schema, baseUri, resourceRoot);
            _nodes[pointer] = node;
            foreach (var anchorKeyword in new[] { "$anchor", "$dynamicAnchor" })
            {
                if (schema.TryGetProperty(anchorKeyword, out var anchor) && anchor.ValueKind == JsonValueKind.String)
                {
                    var key = $"{WithoutFragment(baseUri)}#{anchor.GetString()}";
                    if (!_anchors.TryGetValue(key, out var at))
                    {
                        _anchors[key] = at = [];
                    }
                    at.Add(pointer);
                }
            }
            if (schema.TryGetProperty("$recursiveAnchor", out var recursive) && recursive.ValueKind == JsonValueKind.True)
            {
                _recursiveAnchors.Add(pointer);
            }

            foreach (var property in schema.EnumerateObject())
            {
                var inPlace = InPlaceKeywords.Contains(property.Name);
                var at = $"{pointer}/{Escape(property.Name)}";
                var value = property.Value;
                if (ArrayKeywords.Contains(property.Name) && value.ValueKind == JsonValueKind.Array)
                {
                    var index = 0;
                    foreach (var item in value.EnumerateArray())
                    {
                        Child(node, item, $"{at}/{index++}", inPlace);
                    }
                }
                else if (MapKeywords.Contains(property.Name) && value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var entry in value.EnumerateObject())
                    {
                        // dependencies (draft 7) also takes arrays of property names: those are no schemas.
                        if (entry.Value.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False)
                        {
                            Child(node, entry.Value, $"{at}/{Escape(entry.Name)}", inPlace);
                        }
                    }
                }
                else if (SingleKeywords.Contains(property.Name))
                {
                    Child(node, value, at, inPlace);
                }
            }
        }

        private void Child(Node parent, JsonElement schema, string pointer, bool inPlace)
        {
            Add(schema, pointer, parent.BaseUri, parent.ResourceRoot);
            if (inPlace)
            {
                parent.InPlace.Add(pointer);
            }
        }

        public string? Problem()
        {
            foreach (var node in _nodes.Values)
            {
                node.InPlace.AddRange(ReferencesOf(node));
            }
            var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1: on the path, 2: done
            var longest = new Dictionary<string, int>(StringComparer.Ordinal);
            var path = new List<string>();
            foreach (var start in _nodes.Keys)
            {
                if (Visit(start, state, longest, path) is { } problem)
                {
                    return problem;
                }
            }
            return null;
        }

        // Depth-first over in-place edges: a node met again while on the path closes a cycle.
        private string? Visit(string pointer, Dictionary<string, int> state, Dictionary<string, int> longest, List<string> path)
        {
            if (state.TryGetValue(pointer, out var seen))
            {
                if (seen == 1)
                {
                    var cycle = path.Skip(path.IndexOf(pointer)).Append(pointer).Select(Display);
                    return $"The contract schema refers to itself without moving into the payload, so checking it would never end: {string.Join(" → ", cycle)}.";
                }
                return null;
            }
            state[pointer] = 1;
            path.Add(pointer);
            if (path.Count > MaxDepth + 1)
            {
                return $"The contract schema applies more than {MaxDepth} subschemas in a chain to one value (from {Display(path[0])}).";
            }
            var depth = 0;
            foreach (var next in _nodes[pointer].InPlace)
            {
                if (Visit(next, state, longest, path) is { } problem)
                {
                    return problem;
                }
                depth = Math.Max(depth, longest[next] + 1);
            }
            if (depth > MaxDepth)
            {
                return $"The contract schema applies more than {MaxDepth} subschemas in a chain to one value (from {Display(pointer)}).";
            }
            longest[pointer] = depth;
            path.RemoveAt(path.Count - 1);
            state[pointer] = 2;
            return null;
        }

        private IEnumerable<string> ReferencesOf(Node node)
        {
            if (node.Schema.ValueKind != JsonValueKind.Object)
            {
                yield break;
            }
            if (node.Schema.TryGetProperty("$ref", out var reference) && reference.ValueKind == JsonValueKind.String
                && Resolve(node, reference.GetString()!) is { } target)
            {
                yield return target;
            }
            if (node.Schema.TryGetProperty("$dynamicRef", out var dynamic) && dynamic.ValueKind == JsonValueKind.String)
            {
                // Which anchor a dynamic reference lands on depends on the path taken: every one it may land on counts.
                if (Resolve(node, dynamic.GetString()!) is { } target1)
                {
                    yield return target1;
                }
                var name = dynamic.GetString()!.Split('#') is [_, var anchor] ? anchor : null;
                foreach (var (key, pointers) in _anchors)
                {
                    if (name is not null && key.EndsWith("#" + name, StringComparison.Ordinal))
                    {
                        foreach (var p in pointers)
                        {
                            yield return p;
                        }
                    }
                }
            }
            if (node.Schema.TryGetProperty("$recursiveRef", out var recursive) && recursive.ValueKind == JsonValueKind.String)
            {
                if (Resolve(node, recursive.GetString()!) is { } target2)
                {
                    yield return target2;
                }
                foreach (var p in _recursiveAnchors)
                {
                    yield return p;
                }
            }
        }

        // Where a reference lands in this document, or null when it points elsewhere (the library then refuses it, or
        // flags the payloads that reach it).
        private string? Resolve(Node node, string reference)
        {
            if (!Uri.TryCreate(node.BaseUri, reference, out var target))
            {
                return null;
            }
            var resource = WithoutFragment(target);
            var fragment = Uri.UnescapeDataString(target.Fragment.TrimStart('#'));
            string? root;
            if (resource == WithoutFragment(node.BaseUri))
            {
                root = node.ResourceRoot;
            }
            else if (!_resources.TryGetValue(resource, out root))
            {
                return null;
            }
            if (fragment.Length == 0 || fragment.StartsWith('/'))
            {
                var pointer = root + fragment;
                return _nodes.ContainsKey(pointer) ? pointer : null;
            }
            return _anchors.TryGetValue($"{resource}#{fragment}", out var anchored) ? anchored[0] : null;
        }

        private static string WithoutFragment(Uri uri) => uri.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.Fragment, UriFormat.UriEscaped);
    }
}
