using System.Globalization;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.Alerting.Rules;

/// <summary>A schema drift event as an alert. Drift does not clear by itself: someone resolves it once the mapping is fixed.</summary>
public static class DriftRule
{
    public const string RecommendedAction = "Update mapping/contract; optionally quarantine payloads and replay after fix.";

    private const int MaxPathsInMessage = 5;

    public static Finding Evaluate(SchemaDriftDetected drift)
    {
        var severity = drift.Breaking || drift.Action == DriftAction.Quarantined ? Severity.Critical
            : drift.Changes.All(c => c.Kind == SchemaChangeKind.FieldAdded) ? Severity.Info
            : Severity.Warning;

        var paths = drift.Changes
            .SelectMany(c => c.PreviousPath is { } previous ? [previous, c.Path] : new[] { c.Path })
            .Concat(drift.ContractViolations.Select(Pointer))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        // The paths are the drift: a flip back between the same two versions (an oscillation) touches the same paths, so
        // it is an occurrence of the change's own alert, not a second alert about the same fields.
        var key = string.Join(',', paths);
        // A dataset's schema drift is that dataset's: a job writing two datasets gets an alert for each (a dataset key holds
        // no space, so the key reads back unambiguously).
        if (drift.Dataset is { } drifted)
        {
            key = $"{drifted.Key} {key}";
        }

        var action = drift.Action == DriftAction.Quarantined
            ? $"{RecommendedAction} Fix the contract or the source, then POST /api/quarantine/{{id}}/replay "
                + $"(the held runs: GET /api/quarantine?connector={Uri.EscapeDataString(drift.Connector)})."
            : RecommendedAction;

        var details = new Dictionary<string, string>
        {
            ["event_id"] = drift.EventId.ToString(CultureInfo.InvariantCulture),
            ["run_id"] = drift.RunId.ToString(),
            ["kind"] = EnumNames.Name(drift.Kind),
            ["action"] = EnumNames.Name(drift.Action),
            ["compatibility"] = EnumNames.Name(drift.Compatibility),
            ["breaking"] = drift.Breaking ? "true" : "false",
            ["oscillating"] = drift.Oscillating ? "true" : "false",
            ["changes"] = drift.Changes.Count.ToString(CultureInfo.InvariantCulture),
            ["contract_violations"] = drift.ContractViolations.Count.ToString(CultureInfo.InvariantCulture),
        };
        if (drift.FromVersion is { } from)
        {
            details["from_version"] = from.ToString(CultureInfo.InvariantCulture);
        }
        if (drift.ToVersion is { } to)
        {
            details["to_version"] = to.ToString(CultureInfo.InvariantCulture);
        }
        var message = Message(drift, paths);
        if (drift.Dataset is { } dataset)
        {
            foreach (var (name, value) in DatasetDetails.Of(dataset.Key, dataset.Namespace, dataset.Name))
            {
                details[name] = value;
            }
            var display = DatasetDetails.Display(dataset.Namespace, dataset.Name);
            message = $"Dataset {display}: {message}";
            action = $"Update the readers of {display} (downstream jobs, mappings, contracts) to its new schema, or fix the job that changed it; "
                + "acknowledge or resolve this alert once they agree.";
        }
        return new Finding(RuleNames.SchemaDrift, severity, key, message, action, details);
    }

    private static string Message(SchemaDriftDetected drift, IReadOnlyList<string> paths)
    {
        var what = drift.Kind switch
        {
            DriftKind.NewVersion => $"Schema changed {Version(drift.FromVersion)} → {Version(drift.ToVersion)}",
            DriftKind.Reverted => $"Schema reverted {Version(drift.FromVersion)} → {Version(drift.ToVersion)}",
            _ => drift.Action == DriftAction.Quarantined ? "Payload quarantined: contract broken" : "Contract broken",
        };
        var verdict = drift.Breaking ? $"breaking under {EnumNames.Name(drift.Compatibility)}" : $"compatible under {EnumNames.Name(drift.Compatibility)}";
        var oscillating = drift.Oscillating ? ", oscillating" : "";
        var breakingCount = drift.Changes.Count(c => c.Breaking);
        var counts = drift.Changes.Count == 0 ? ""
            : $"{drift.Changes.Count} change(s), {breakingCount} breaking";
        if (drift.ContractViolations.Count > 0)
        {
            counts += (counts.Length > 0 ? ", " : "") + $"{drift.ContractViolations.Count} contract violation(s)";
        }
        var at = paths.Count == 0 ? ""
            : $" at {string.Join(", ", paths.Take(MaxPathsInMessage))}{(paths.Count > MaxPathsInMessage ? $" and {paths.Count - MaxPathsInMessage} more" : "")}";
        return $"{what} ({verdict}{oscillating})" + (counts.Length > 0 ? $": {counts}{at}" : at);
    }

    private static string Version(int? version) => version is { } v ? $"v{v}" : "no version";

    /// <summary>Violations read "/order/id: message" (JSON pointer first); the pointer is what identifies them.</summary>
    private static string Pointer(string violation)
    {
        var end = violation.IndexOf(": ", StringComparison.Ordinal);
        return end >= 0 ? violation[..end] : violation;
    }
}
