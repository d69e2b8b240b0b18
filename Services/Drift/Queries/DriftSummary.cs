using System.Text;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.Drift.Queries;

/// <summary>One line per drift event: "v1 → v2 (new, breaking under backward): added $.amount, $.currency; removed $.value".</summary>
public static class DriftSummary
{
    private const int MaxPathsPerKind = 5;

    public static string Describe(SchemaDriftDetected e)
    {
        var text = new StringBuilder();
        var from = e.FromVersion is { } f ? $"v{f}" : "no version";
        switch (e.Kind)
        {
            case DriftKind.NewVersion:
                text.Append($"{from} → v{e.ToVersion} (new schema");
                break;
            case DriftKind.Reverted:
                text.Append($"{from} → v{e.ToVersion} (reverted to v{e.ToVersion}");
                break;
            default:
                text.Append(e.Action == DriftAction.Quarantined ? "payload quarantined (contract broken" : "contract broken");
                break;
        }
        if (e.Oscillating)
        {
            text.Append(", oscillating");
        }
        text.Append(e.Breaking ? $", breaking under {EnumNames.Name(e.Compatibility)})" : $", compatible under {EnumNames.Name(e.Compatibility)})");

        var parts = e.Changes
            .GroupBy(c => c.Kind)
            .Select(g => $"{Verb(g.Key)} {string.Join(", ", g.Take(MaxPathsPerKind).Select(Describe))}"
                + (g.Count() > MaxPathsPerKind ? $" and {g.Count() - MaxPathsPerKind} more" : ""))
            .ToList();
        if (e.ContractViolations.Count > 0)
        {
            parts.Add($"{e.ContractViolations.Count} contract violation(s): {e.ContractViolations[0]}");
        }
        if (parts.Count > 0)
        {
            text.Append(": ").Append(string.Join("; ", parts));
        }
        return text.ToString();
    }

    private static string Describe(SchemaChange change) => change.Kind switch
    {
        SchemaChangeKind.Renamed => $"{change.PreviousPath} → {change.Path} (a guess)",
        SchemaChangeKind.TypeWidened or SchemaChangeKind.TypeNarrowed or SchemaChangeKind.TypeChanged => $"{change.Path} ({change.Before} → {change.After})",
        _ => change.Path,
    };

    private static string Verb(SchemaChangeKind kind) => kind switch
    {
        SchemaChangeKind.FieldAdded => "added",
        SchemaChangeKind.FieldRemoved => "removed",
        SchemaChangeKind.TypeWidened => "widened",
        SchemaChangeKind.TypeNarrowed => "narrowed",
        SchemaChangeKind.TypeChanged => "type changed",
        SchemaChangeKind.BecameNullable => "became nullable",
        SchemaChangeKind.StoppedBeingNullable => "no longer nullable",
        SchemaChangeKind.BecameOptional => "became optional",
        SchemaChangeKind.BecameRequired => "became required",
        SchemaChangeKind.Renamed => "renamed",
        _ => EnumNames.Name(kind),
    };
}
