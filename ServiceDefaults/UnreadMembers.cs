using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// Members of a message a service never reads: its consumers receive them unset (null or default), and the JSON reader
/// skips them without building anything. A run's payload is the one such member today: only Drift reads it.
/// </summary>
/// <remarks>What the broker holds is untouched: a message set aside or re-driven keeps its whole body.</remarks>
public sealed class UnreadMembers
{
    public static readonly UnreadMembers None = new([]);

    private readonly (Type Type, string Member)[] _members;

    private UnreadMembers((Type Type, string Member)[] members) => _members = members;

    /// <summary>The named members of <typeparamref name="T"/> (C# names: <c>nameof(RunCompleted.Payload)</c>).</summary>
    public static UnreadMembers Of<T>(params string[] members)
    {
        foreach (var member in members)
        {
            if (typeof(T).GetMember(member, BindingFlags.Public | BindingFlags.Instance).Length == 0)
            {
                throw new ArgumentException($"{typeof(T).Name} has no public member {member}.", nameof(members));
            }
        }
        return new UnreadMembers([.. members.Select(m => (typeof(T), m))]);
    }

    /// <summary>These members and <paramref name="other"/>'s (members of several types, nested ones too).</summary>
    public UnreadMembers And(UnreadMembers other) => new([.. _members, .. other._members]);

    public bool IsEmpty => _members.Length == 0;

    /// <summary>A copy of <paramref name="options"/> that leaves these members unread; null when there are none.</summary>
    public JsonSerializerOptions? Apply(JsonSerializerOptions options)
    {
        if (IsEmpty)
        {
            return null;
        }
        var resolver = options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver();
        return new JsonSerializerOptions(options) { TypeInfoResolver = resolver.WithAddedModifier(LeaveUnread) };
    }

    private void LeaveUnread(JsonTypeInfo typeInfo)
    {
        foreach (var (type, member) in _members)
        {
            if (typeInfo.Type != type)
            {
                continue;
            }
            for (var i = typeInfo.Properties.Count - 1; i >= 0; i--)
            {
                if (typeInfo.Properties[i].AttributeProvider is MemberInfo { Name: var name } && name == member)
                {
                    typeInfo.Properties.RemoveAt(i);
                }
            }
        }
    }
}
