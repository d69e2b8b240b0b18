using System.Text.Json.Nodes;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.Drift.Schemas;

/// <summary>
/// A dataset's schema from its OpenLineage schema facet: each declared field at its path (<c>$.customer.address.city</c>;
/// the items of an array at <c>[]</c>), its type read by <see cref="DatasetTypes"/>. A facet says nothing of nulls, so
/// every field is required. A field declared twice at one level counts once (the first). The root is not a field: a
/// schema cleared to no fields has none. A path longer than <paramref name="maxPathLength"/> (and everything under it)
/// is left out, as in payloads, and the schema is partial (<see cref="InferenceLimit.PathLength"/>): nested names of
/// 2,000 characters at 32 levels would otherwise make paths of 64,000.
/// </summary>
public static class DatasetSchemas
{
    public static InferredSchema FromFacet(IReadOnlyList<DatasetField> fields, int maxPathLength = 512)
    {
        var built = new List<FieldSchema>(fields.Count);
        var paths = new HashSet<string>(StringComparer.Ordinal);
        var cut = new Cut(maxPathLength);
        AddFields(FieldPath.Root, fields, built, paths, depth: 0, cut);
        var topLevel = fields.Select(field => field.Name).Distinct(StringComparer.Ordinal);
        return InferredSchema.FromFields(built, cut.Hit ? [InferenceLimit.PathLength] : [], topLevelKeys: topLevel);
    }

    private sealed class Cut(int maxPathLength)
    {
        public bool Hit { get; private set; }

        public bool TooLong(string parent, string name) => TooLong(FieldPath.MemberPathLength(parent, name));

        public bool TooLong(string path) => TooLong(path.Length);

        private bool TooLong(int length)
        {
            Hit |= length > maxPathLength;
            return length > maxPathLength;
        }
    }

    /// <summary>
    /// One row a dataset of this schema could hold, each field with a placeholder value of its type (<c>""</c>,
    /// <c>0</c>, <c>0.5</c>, <c>false</c>, <c>"1970-01-01T00:00:00Z"</c>, an object of its fields, an array of one item): what
    /// a dataset's contract (a JSON Schema for one row) is checked against. A type drift does not know is <c>null</c>.
    /// </summary>
    public static JsonObject SampleRow(IReadOnlyList<DatasetField> fields)
    {
        var row = new JsonObject();
        FillObject(row, fields, depth: 0);
        return row;
    }

    private static void AddFields(
        string parent, IReadOnlyList<DatasetField>? fields, List<FieldSchema> built, HashSet<string> paths, int depth, Cut cut)
    {
        if (fields is null || depth > LineageDefinition.MaxSchemaDepth)
        {
            return;
        }
        foreach (var field in fields)
        {
            if (cut.TooLong(parent, field.Name))
            {
                continue;
            }
            var path = FieldPath.Member(parent, field.Name);
            if (!paths.Add(path))
            {
                continue;
            }
            AddField(path, field.Type, field.Fields, built, paths, depth, cut);
        }
    }

    private static void AddField(
        string path, string? type, IReadOnlyList<DatasetField>? children, List<FieldSchema> built, HashSet<string> paths, int depth, Cut cut)
    {
        var (types, detail) = DatasetTypes.Kind(type);
        var hasChildren = children is { Count: > 0 };
        if (hasChildren && types is not (JsonTypes.Array or JsonTypes.Object))
        {
            // Nested fields make a struct whatever the type string says (a producer's RECORD, a union, no type at all).
            (types, detail) = (JsonTypes.Object, null);
        }
        built.Add(new FieldSchema(path, types, Nullable: false, Optional: false, detail));
        if (types == JsonTypes.Array)
        {
            AddItems(path, type, children, built, paths, depth, itemDepth: 0, cut);
        }
        else if (hasChildren)
        {
            AddFields(path, children, built, paths, depth + 1, cut);
        }
    }

    // An array's items: an object of the nested fields when there are some, else the item type its type string names.
    private static void AddItems(
        string path, string? type, IReadOnlyList<DatasetField>? children, List<FieldSchema> built, HashSet<string> paths, int depth,
        int itemDepth, Cut cut)
    {
        var items = FieldPath.Items(path);
        if (cut.TooLong(items) || !paths.Add(items))
        {
            return;
        }
        if (children is { Count: > 0 })
        {
            built.Add(new FieldSchema(items, JsonTypes.Object, false, false));
            AddFields(items, children, built, paths, depth + 1, cut);
            return;
        }
        if (DatasetTypes.ItemType(type) is not { } itemType)
        {
            paths.Remove(items);
            return;
        }
        var (types, detail) = DatasetTypes.Kind(itemType);
        built.Add(new FieldSchema(items, types, false, false, detail));
        if (types == JsonTypes.Array && itemDepth < DatasetTypes.MaxItemDepth)
        {
            AddItems(items, itemType, null, built, paths, depth, itemDepth + 1, cut);
        }
    }

    private static void FillObject(JsonObject row, IReadOnlyList<DatasetField>? fields, int depth)
    {
        if (fields is null || depth > LineageDefinition.MaxSchemaDepth)
        {
            return;
        }
        foreach (var field in fields)
        {
            if (!row.ContainsKey(field.Name))
            {
                row[field.Name] = SampleValue(field.Type, field.Fields, depth);
            }
        }
    }

    private static JsonNode? SampleValue(string? type, IReadOnlyList<DatasetField>? children, int depth)
    {
        var (types, detail) = DatasetTypes.Kind(type);
        if (children is { Count: > 0 } && types is not (JsonTypes.Array or JsonTypes.Object))
        {
            types = JsonTypes.Object;
        }
        switch (types)
        {
            case JsonTypes.Object:
                var nested = new JsonObject();
                FillObject(nested, children, depth + 1);
                return nested;
            case JsonTypes.Array:
                var item = children is { Count: > 0 }
                    ? SampleValue("struct", children, depth)
                    : DatasetTypes.ItemType(type) is { } itemType && depth < LineageDefinition.MaxSchemaDepth
                        ? SampleValue(itemType, null, depth + 1)
                        : null;
                return item is null ? new JsonArray() : new JsonArray(item);
            case JsonTypes.Integer:
                return 0;
            case JsonTypes.Number:
                return 0.5;
            case JsonTypes.Boolean:
                return false;
            case JsonTypes.String:
                return detail switch
                {
                    "date-time" => "1970-01-01T00:00:00Z",
                    "date" => "1970-01-01",
                    "time" => "00:00:00",
                    _ => "",
                };
            default:
                return null;
        }
    }
}
