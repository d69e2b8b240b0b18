using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.PayloadContracts;

namespace ConnectorHealth.Drift.Apis.Models;

/// <summary>One connector in the schema list.</summary>
public sealed record SchemaListItem(
    string Connector, int? CurrentVersion, DateTimeOffset? CurrentSince, int Versions, long Runs, DateTimeOffset? LatestRunAt,
    CompatibilityMode Compatibility, ContractPolicy? ContractPolicy, DateTimeOffset? LastChangeAt);

public sealed record SchemaList(IReadOnlyList<SchemaListItem> Items);
