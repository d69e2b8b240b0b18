using System.Text.Json.Serialization;

namespace ConnectorHealth.Contracts;

/// <summary>
/// A run that has started and not yet finished, as its producer last reported it (an OpenLineage START, RUNNING or OTHER
/// event). Published each time what is known of the run grows; <see cref="RunCompleted"/> with the same
/// <see cref="RunId"/> ends it, and a consumer that has the completed run ignores any progress of it that comes later.
/// Streaming jobs send only these: their datasets' schemas and volumes are judged from them.
/// </summary>
public sealed record RunInProgress
{
    public required Guid RunId { get; init; }
    public required string Connector { get; init; }
    public required RunSource Source { get; init; }
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The time of the newest event merged: the run was known to be alive then.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    public required RunLineage Lineage { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Owner { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Tags { get; init; }
}
