namespace SparseVirt.Hypervisor.Collection;

/// <summary>
/// User and group names from /etc/passwd and /etc/group, parsed directly (no process spawning, no NSS). Accounts
/// that only exist in LDAP or similar stay nameless, which only costs a name in the report.
/// </summary>
internal sealed class AccountDatabase
{
    private readonly Dictionary<uint, string> _userNames = [];
    private readonly Dictionary<string, uint> _primaryGroups = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, string> _groupNames = [];
    private readonly Dictionary<uint, string[]> _groupMembers = [];

    private AccountDatabase()
    {
    }

    public static AccountDatabase Empty { get; } = new();

    public static AccountDatabase Load(HostPaths paths) =>
        Parse(BoundedText.ReadLines(paths.Resolve("/etc/passwd")), BoundedText.ReadLines(paths.Resolve("/etc/group")));

    /// <summary>Parses passwd lines (<c>name:x:uid:gid:...</c>) and group lines (<c>name:x:gid:member,member</c>); malformed lines are skipped.</summary>
    public static AccountDatabase Parse(IEnumerable<string> passwdLines, IEnumerable<string> groupLines)
    {
        var database = new AccountDatabase();
        foreach (string line in passwdLines)
        {
            string[] fields = line.Split(':');
            if (fields.Length >= 4 && fields[0].Length > 0 && uint.TryParse(fields[2], out uint uid) && uint.TryParse(fields[3], out uint gid))
            {
                database._userNames.TryAdd(uid, fields[0]);
                database._primaryGroups.TryAdd(fields[0], gid);
            }
        }
        foreach (string line in groupLines)
        {
            string[] fields = line.Split(':');
            if (fields.Length >= 4 && fields[0].Length > 0 && uint.TryParse(fields[2], out uint gid))
            {
                database._groupNames.TryAdd(gid, fields[0]);
                database._groupMembers.TryAdd(gid, fields[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
        }
        return database;
    }

    public string? UserName(uint uid) => _userNames.GetValueOrDefault(uid);

    public string? GroupName(uint gid) => _groupNames.GetValueOrDefault(gid);

    /// <summary>Whether the account database makes <paramref name="userName"/> a member of <paramref name="gid"/> (listed, or primary group).</summary>
    public bool? IsMember(string? userName, uint gid)
    {
        if (userName is null)
        {
            return null;
        }
        if (_primaryGroups.TryGetValue(userName, out uint primary) && primary == gid)
        {
            return true;
        }
        return _groupMembers.TryGetValue(gid, out string[]? members) ? members.Contains(userName, StringComparer.Ordinal) : null;
    }
}
