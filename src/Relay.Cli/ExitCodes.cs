namespace Relay.Cli;

/// <summary>The process exit codes, as documented in the README.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Error = 1;
    public const int Usage = 2;
    public const int Interrupted = 130;
}
