namespace ConnectorHealth.Drift.PayloadContracts;

/// <summary>What happens to a payload that breaks its connector's contract.</summary>
public enum ContractPolicy
{
    /// <summary>The payload becomes a schema version as usual and the violation is reported.</summary>
    Alert,

    /// <summary>The payload is held in quarantine, does not become a schema version, and can be replayed.</summary>
    Quarantine,
}
