using System.Text.Json;
using ConnectorHealth.Drift.PayloadContracts;
using ConnectorHealth.Drift.Schemas;

namespace ConnectorHealth.Drift.Detection;

/// <summary>What the batch read under its locks (<see cref="BatchReader"/>).</summary>
internal sealed class BatchSnapshot
{
    /// <summary>The batch's runs already in the ledger (delivered before).</summary>
    public HashSet<(Guid RunId, string Subject)> Existing { get; } = [];
    public Dictionary<string, ConnectorState> States { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ContractRow> Contracts { get; } = new(StringComparer.Ordinal);
    public Dictionary<(string Connector, string Fingerprint), int> Versions { get; } = [];
    public Dictionary<string, int> MaxVersions { get; } = new(StringComparer.Ordinal);

    /// <summary>The fields of the current versions that cut payloads are compared with (loaded for this batch).</summary>
    public IReadOnlyDictionary<(string Connector, int Version), IReadOnlyList<FieldSchema>> CurrentFields { get; set; } =
        new Dictionary<(string Connector, int Version), IReadOnlyList<FieldSchema>>();

    /// <summary>Each connector's latest drift event (not a contract violation): when, and whether it was oscillating.</summary>
    public Dictionary<string, (DateTimeOffset FinishedAt, bool Oscillating)> LastEvents { get; } = new(StringComparer.Ordinal);
}

/// <summary>A connector's contract as the batch checks it: its revision is when it was last set.</summary>
internal sealed record ContractRow(ContractPolicy Policy, JsonElement Schema, DateTimeOffset Revision, DateTimeOffset? AlertedAt);
