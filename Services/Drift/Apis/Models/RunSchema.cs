using ConnectorHealth.Drift.StoredHistory;

namespace ConnectorHealth.Drift.Apis.Models;

/// <summary>
/// What drift knows of one run: whether it was versioned (or held in quarantine, or had no payload), the schema version it
/// had, and that version's sample payload (the run that first showed it; runs themselves keep no payload).
/// </summary>
public sealed record RunSchema(
    Guid RunId, string Connector, DateTimeOffset FinishedAt, string Outcome, int? Version, bool FirstOfVersion, PayloadSample? Sample);
