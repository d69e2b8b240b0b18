using ConnectorHealth.Contracts;

namespace ConnectorHealth.Drift.Schemas;

/// <summary>
/// The changes between two schema versions, each judged breaking or not under a <see cref="CompatibilityMode"/> with
/// Confluent Schema Registry's meanings. A removed and an added scalar field of the same shape, alone at the same level,
/// are reported as one <see cref="SchemaChangeKind.Renamed"/> change marked as a guess.
/// </summary>
public static class SchemaDiff
{
    public static IReadOnlyList<SchemaChange> Compare(IReadOnlyList<FieldSchema> from, IReadOnlyList<FieldSchema> to, CompatibilityMode mode)
    {
        var before = ByPath(from, nameof(from));
        var after = ByPath(to, nameof(to));
        var changes = new List<SchemaChange>();
        var removed = new List<FieldSchema>();
        foreach (var old in from)
        {
            if (after.TryGetValue(old.Path, out var now))
            {
                CompareField(old, now, mode, changes);
            }
            else
            {
                removed.Add(old);
            }
        }
        var added = to.Where(f => !before.ContainsKey(f.Path)).ToList();

        var renamed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (old, now) in Renames(removed, added))
        {
            renamed.Add(old.Path);
            renamed.Add(now.Path);
            changes.Add(new SchemaChange(now.Path, SchemaChangeKind.Renamed, Text(old), Text(now),
                Breaks(SchemaChangeKind.Renamed, mode, old.Required || now.Required), PreviousPath: old.Path, Guess: true));
        }
        changes.AddRange(removed.Where(f => !renamed.Contains(f.Path)).Select(f =>
            new SchemaChange(f.Path, SchemaChangeKind.FieldRemoved, Text(f), null, Breaks(SchemaChangeKind.FieldRemoved, mode, f.Required))));
        changes.AddRange(added.Where(f => !renamed.Contains(f.Path)).Select(f =>
            new SchemaChange(f.Path, SchemaChangeKind.FieldAdded, null, Text(f), Breaks(SchemaChangeKind.FieldAdded, mode, f.Required))));

        changes.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path) is var byPath and not 0 ? byPath : a.Kind.CompareTo(b.Kind));
        return changes;
    }

    public static bool IsBreaking(IEnumerable<SchemaChange> changes) => changes.Any(c => c.Breaking);

    /// <summary>
    /// Whether a change of <paramref name="kind"/> breaks under <paramref name="mode"/>. <paramref name="required"/>
    /// (never null, always present) matters for an added field (backward), a removed one (forward) and a rename (both).
    /// </summary>
    public static bool Breaks(SchemaChangeKind kind, CompatibilityMode mode, bool required = true) => mode switch
    {
        CompatibilityMode.Backward => BreaksBackward(kind, required),
        CompatibilityMode.Forward => BreaksForward(kind, required),
        CompatibilityMode.Full => BreaksBackward(kind, required) || BreaksForward(kind, required),
        _ => false,
    };

    // New readers must read old data: a new required field, a narrower type or a field that must now be present breaks.
    private static bool BreaksBackward(SchemaChangeKind kind, bool required) => kind switch
    {
        SchemaChangeKind.FieldAdded or SchemaChangeKind.Renamed => required,
        SchemaChangeKind.TypeNarrowed or SchemaChangeKind.TypeChanged
            or SchemaChangeKind.StoppedBeingNullable or SchemaChangeKind.BecameRequired => true,
        _ => false,
    };

    // Old readers must read new data: a required field gone, a wider type or a field that may now be missing breaks.
    private static bool BreaksForward(SchemaChangeKind kind, bool required) => kind switch
    {
        SchemaChangeKind.FieldRemoved or SchemaChangeKind.Renamed => required,
        SchemaChangeKind.TypeWidened or SchemaChangeKind.TypeChanged
            or SchemaChangeKind.BecameNullable or SchemaChangeKind.BecameOptional => true,
        _ => false,
    };

    private static void CompareField(FieldSchema old, FieldSchema now, CompatibilityMode mode, List<SchemaChange> changes)
    {
        void Add(SchemaChangeKind kind) => changes.Add(new SchemaChange(now.Path, kind, Text(old), Text(now), Breaks(kind, mode)));

        if (old.Detail is not null || now.Detail is not null)
        {
            CompareDeclaredTypes(old, now, Add);
        }
        // A field seen only as null has no type yet: its first real type is not a change (and it was seen null, so nor
        // is its nullability). Going the other way, a typed field that turns null did change: it became nullable.
        else if (old.Types == JsonTypes.None && now.Types != JsonTypes.None)
        {
            if (old.Optional != now.Optional)
            {
                Add(now.Optional ? SchemaChangeKind.BecameOptional : SchemaChangeKind.BecameRequired);
            }
            return;
        }
        else if (now.Types != JsonTypes.None && old.Types != now.Types)
        {
            Add(Covers(now.Types, old.Types) ? SchemaChangeKind.TypeWidened
                : Covers(old.Types, now.Types) ? SchemaChangeKind.TypeNarrowed
                : SchemaChangeKind.TypeChanged);
        }
        if (old.Nullable != now.Nullable)
        {
            Add(now.Nullable ? SchemaChangeKind.BecameNullable : SchemaChangeKind.StoppedBeingNullable);
        }
        if (old.Optional != now.Optional)
        {
            Add(now.Optional ? SchemaChangeKind.BecameOptional : SchemaChangeKind.BecameRequired);
        }
    }

    // Declared types with a detail (a dataset's schema facet): a type drift does not know (no JSON type) is the same type
    // only by the same text; a finer kind of string (date-time) that becomes a plain string is widened (every value
    // still fits) and the other way narrowed; two different kinds, or a known and an unknown type, are a type change.
    private static void CompareDeclaredTypes(FieldSchema old, FieldSchema now, Action<SchemaChangeKind> add)
    {
        if (old.Types == now.Types && old.Detail == now.Detail)
        {
            return;
        }
        if (old.Types == JsonTypes.None || now.Types == JsonTypes.None)
        {
            add(SchemaChangeKind.TypeChanged);
        }
        else
        {
            add(old.Types != now.Types ? SchemaChangeKind.TypeChanged
                : now.Detail is null ? SchemaChangeKind.TypeWidened
                : old.Detail is null ? SchemaChangeKind.TypeNarrowed
                : SchemaChangeKind.TypeChanged);
        }
    }

    /// <summary>Every type in <paramref name="covered"/> fits a type in <paramref name="cover"/> (an integer fits a number).</summary>
    private static bool Covers(JsonTypes cover, JsonTypes covered)
    {
        if (cover.HasFlag(JsonTypes.Number))
        {
            cover |= JsonTypes.Integer;
        }
        return (covered & ~cover) == JsonTypes.None;
    }

    private static IEnumerable<(FieldSchema Old, FieldSchema Now)> Renames(List<FieldSchema> removed, List<FieldSchema> added)
    {
        if (removed.Count == 0 || added.Count == 0)
        {
            return [];
        }
        var addedByParent = added
            .GroupBy(f => FieldPath.Parent(f.Path) ?? string.Empty, StringComparer.Ordinal)
            .Where(g => g.Key.Length > 0 && g.Count() == 1)
            .ToDictionary(g => g.Key, g => g.Single(), StringComparer.Ordinal);
        return removed
            .GroupBy(f => FieldPath.Parent(f.Path) ?? string.Empty, StringComparer.Ordinal)
            .Where(g => g.Key.Length > 0 && g.Count() == 1)
            .Select(g => (Old: g.Single(), Now: addedByParent.GetValueOrDefault(g.Key)))
            .Where(pair => pair.Now is not null && SameShape(pair.Old, pair.Now))
            .Select(pair => (pair.Old, pair.Now!))
            .ToList();
    }

    private static bool SameShape(FieldSchema old, FieldSchema now) =>
        old.Types == now.Types && old.Detail == now.Detail && old.Nullable == now.Nullable && old.Optional == now.Optional
        && (old.Types & (JsonTypes.Object | JsonTypes.Array)) == JsonTypes.None;

    private static Dictionary<string, FieldSchema> ByPath(IReadOnlyList<FieldSchema> fields, string name)
    {
        var byPath = new Dictionary<string, FieldSchema>(fields.Count, StringComparer.Ordinal);
        foreach (var field in fields)
        {
            if (!byPath.TryAdd(field.Path, field))
            {
                throw new ArgumentException($"The path '{field.Path}' appears more than once.", name);
            }
        }
        return byPath;
    }

    private static string Text(FieldSchema field) => field.TypeText;
}
