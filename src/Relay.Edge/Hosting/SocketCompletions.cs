namespace Relay.Edge;

/// <summary>
/// Runs socket completions on the runtime's socket threads instead of handing each one to the thread pool. The edge's
/// work per socket event is short and never blocks (read an upstream event, store it, wake its readers), and on a small
/// machine each hand-off is a thread wake-up that costs more than that work: measured on 2 cores, about 15 % less CPU
/// per relayed token (docs/performance.md). The runtime reads the variable once, when the first socket is made, so this
/// runs before anything else; an operator's own value wins (<c>0</c> turns it off).
/// </summary>
internal static class SocketCompletions
{
    /// <summary>The runtime's switch (System.Net.Sockets' SocketAsyncEngine).</summary>
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static void PreferInline()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }
}
