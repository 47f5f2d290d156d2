using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Dashboard.Simulation.Tests.Kernel;

/// <summary>
/// Runs a short action on a fresh thread that has joined a named network namespace. Sockets keep the namespace they
/// were created in for life, and /proc/sys/net resolves against the opener's namespace, so only the creation or the
/// open needs the switch; the thread then ends, so no pooled thread is ever left in a foreign namespace.
/// </summary>
internal static class NamespaceThread
{
    private const int CloneNewNet = 0x40000000;

    public static T Run<T>(string networkNamespace, Func<T> action)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle($"/run/netns/{networkNamespace}");
                if (NativeMethods.setns((int)target.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new Win32Exception(Marshal.GetLastPInvokeError(), $"setns into {networkNamespace} failed");
                }

                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        })
        {
            IsBackground = true,
            Name = $"netns {networkNamespace}",
        };
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw new InvalidOperationException($"action in netns {networkNamespace} failed: {error.Message}", error);
        }

        return result!;
    }

    /// <summary>Writes a sysctl of that namespace (e.g. net/ipv4/ip_forward) without needing procps' sysctl.</summary>
    public static void WriteSysctl(string networkNamespace, string key, string value) =>
        Run(networkNamespace, () =>
        {
            File.WriteAllText($"/proc/sys/{key}", value);
            return true;
        });

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int setns(int fd, int nstype);
    }
}
