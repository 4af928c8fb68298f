using System.Collections;

namespace Relay.Testing;

/// <summary>Keeps inherited OPENROUTER_* and RELAY_* settings out of tests.</summary>
public static class CleanEnvironment
{
    /// <summary>Clears every OPENROUTER_* and RELAY_* variable of this process.</summary>
    public static void Apply()
    {
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(IsRelayVariable))
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    /// <summary>This process's environment without OPENROUTER_* and RELAY_*, plus <paramref name="extra"/>, for a child process.</summary>
    public static Dictionary<string, string?> For(IDictionary<string, string?>? extra = null)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            var name = (string)e.Key;
            if (!IsRelayVariable(name))
            {
                env[name] = (string?)e.Value;
            }
        }

        foreach (var (k, v) in extra ?? new Dictionary<string, string?>())
        {
            env[k] = v;
        }

        return env;
    }

    private static bool IsRelayVariable(string name) =>
        name.StartsWith("OPENROUTER_", StringComparison.Ordinal) || name.StartsWith("RELAY_", StringComparison.Ordinal);
}
