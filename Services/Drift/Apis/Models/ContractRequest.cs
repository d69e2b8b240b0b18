using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using ConnectorHealth.Drift.PayloadContracts;

namespace ConnectorHealth.Drift.Apis.Models;

/// <summary>The body of a PUT of a connector's contract.</summary>
public sealed record ContractRequest([property: Required] ContractPolicy? Policy, [property: Required] JsonElement? Schema);
