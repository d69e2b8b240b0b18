using System.Text;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.Drift.Apis.Models;

/// <summary>One line per drift event: "v1 → v2 (new, breaking under backward): added $.amount, $.currency; removed $.value".</summary>
public static class DriftSummary
{
    private const int MaxPathsPerKind = 5;

    public static string Describe(SchemaDriftDetected drift)
    {
        var text = new StringBuilder();
        if (drift.Dataset is { } dataset)
        {
            text.Append($"dataset {dataset.Namespace}/{dataset.Name}: ");
        }
        var from = drift.FromVersion is { } fromVersion ? $"v{fromVersion}" : "no version";
        switch (drift.Kind)
        {
            case DriftKind.NewVersion:
                text.Append($"{from} → v{drift.ToVersion} (new schema");
                break;
            case DriftKind.Reverted:
                text.Append($"{from} → v{drift.ToVersion} (reverted to v{drift.ToVersion}");
                break;
            default:
                text.Append(drift.Action == DriftAction.Quarantined ? "payload quarantined (contract broken" : "contract broken");
                break;
        }
        if (drift.Oscillating)
        {
            text.Append(", oscillating");
        }
        text.Append(drift.Breaking ? $", breaking under {EnumNames.Name(drift.Compatibility)})" : $", compatible under {EnumNames.Name(drift.Compatibility)})");

        var parts = drift.Changes
            .GroupBy(change => change.Kind)
            .Select(changesOfKind => $"{Verb(changesOfKind.Key)} {string.Join(", ", changesOfKind.Take(MaxPathsPerKind).Select(Describe))}"
                + (changesOfKind.Count() > MaxPathsPerKind ? $" and {changesOfKind.Count() - MaxPathsPerKind} more" : ""))
            .ToList();
        if (drift.ContractViolations.Count > 0)
        {
            parts.Add($"{drift.ContractViolations.Count} contract violation(s): {drift.ContractViolations[0]}");
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
