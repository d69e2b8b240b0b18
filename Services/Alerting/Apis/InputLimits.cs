namespace ConnectorHealth.Alerting.Apis;

/// <summary>The longest texts the API stores: a connector name, who did something, and why.</summary>
internal static class InputLimits
{
    public const int ConnectorMaxLength = 200;
    public const int AuthorMaxLength = 200;
    public const int CommentMaxLength = 2000;
}
