using System.Text.Json;
using ConnectorHealth.Drift.PayloadContracts;

namespace ConnectorHealth.Drift.Apis.Models;

public sealed record Contract(string Connector, ContractPolicy Policy, JsonElement Schema, DateTimeOffset UpdatedAt);
