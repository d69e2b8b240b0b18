using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.Drift.Apis.Models;

/// <summary>The body of a PUT of a connector's compatibility mode.</summary>
public sealed record CompatibilityRequest([property: Required] CompatibilityMode? Mode);

/// <summary>A connector's compatibility mode, as set.</summary>
public sealed record CompatibilitySetting(string Connector, CompatibilityMode Mode);
