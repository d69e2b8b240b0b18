namespace ConnectorHealth.Alerting.Apis;

/// <summary>The longest texts the API stores: who did something, and why (a connector name is RunDefinition's).</summary>
internal static class InputLimits
{
    public const int AuthorMaxLength = 200;
    public const int CommentMaxLength = 2000;
}
