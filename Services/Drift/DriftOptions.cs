using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Drift.Schemas;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Drift;

// Settings of the Drift service (configuration section Drift).
public sealed class DriftOptions
{
    public const string Section = "Drift";

    // How far schema inference reads into a payload.
    [Required]
    [ValidateObjectMembers]
    public InferenceLimits Inference { get; set; } = new();

    // A return to a known version within this time of the previous change is part of an oscillation: recorded, but
    // published once when the oscillation starts rather than at every flip.
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan OscillationWindow { get; set; } = TimeSpan.FromHours(1);

    // How often drift events whose publication did not happen with their batch (a broker outage) are published.
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PublishSweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    // How much of the payload that first showed a schema version is kept with it as its sample (characters of JSON).
    [Range(0, 1_048_576)]
    public int VersionSampleChars { get; set; } = 16_384;

    // The largest contract document accepted (UTF-8 bytes).
    [Range(64, 1_048_576)]
    public int MaxContractBytes { get; set; } = 65_536;

    // How long checking one payload against its connector's contract may take; a payload whose check runs out of it is
    // flagged as a violation ("could not be checked within ..."), so one contract cannot hold up the others.
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan ContractCheckBudget { get; set; } = PayloadContracts.ContractRules.DefaultBudget;
}
