import type { TaskSpec } from "../../dynamic-providers/ssmTasks";
import { shellQuote } from "../../dynamic-providers/shared/shell";

export const MOUNT_TASK_ID = "mount-work-volume";

export interface MountTaskOptions {
    /** EBS volume id, `vol-…`. */
    volumeId: string;
    mountPoint: string;
    sizeGb: number;
    /** Where udev links NVMe devices by id; tests point this at a fake tree. */
    deviceDir?: string;
    fstab?: string;
    /** How long to wait for the attachment to show up as a device. */
    waitSeconds?: number;
}

/**
 * The first setup task: mount the retained work volume at the home directory. POSIX sh (the SSM agent runs
 * commands with `sh`, dash on Ubuntu) and idempotent: it formats only a volume with no signature at all
 * (`blkid -p` exit status 2), keeps one fstab line for it by UUID with `nofail` (a missing volume must not stop
 * the boot), and grows the filesystem after the volume was enlarged. When the home directory changed on a
 * running instance, the volume moves: code-server is stopped (it works in the old home; the code-server-unit
 * task starts it again) and the old mount point is unmounted, so the volume is mounted only where the config says. On Nitro instances an EBS volume appears
 * as /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol<id without dash> (EC2 user guide, "Amazon EBS and
 * NVMe": the serial number is the volume id). The size is in the script so a resize re-runs the task.
 */
export function mountWorkVolumeTask(o: MountTaskOptions): TaskSpec {
    const serial = o.volumeId.replace("-", "");
    const deviceDir = o.deviceDir ?? "/dev/disk/by-id";
    const waitSeconds = o.waitSeconds ?? 300;
    const script = `set -eu
VOLUME_ID=${shellQuote(o.volumeId)}
LINK=${shellQuote(`${deviceDir}/nvme-Amazon_Elastic_Block_Store_${serial}`)}
MOUNT_POINT=${shellQuote(o.mountPoint)}
FSTAB=${shellQuote(o.fstab ?? "/etc/fstab")}
echo "work volume $VOLUME_ID (${o.sizeGb} GiB) at $MOUNT_POINT"
waited=0
while [ ! -e "$LINK" ]; do
  if [ "$waited" -ge ${waitSeconds} ]; then
    echo "work volume $VOLUME_ID is not attached: no $LINK after ${waitSeconds} s" >&2
    exit 1
  fi
  sleep 5
  waited=$((waited + 5))
done
DEVICE=$(readlink -f "$LINK")
probe=0
blkid -p "$DEVICE" >/dev/null 2>&1 || probe=$?
if [ "$probe" -eq 2 ]; then
  echo "formatting empty volume $DEVICE as ext4"
  mkfs.ext4 -q -L capblocks-work "$DEVICE"
elif [ "$probe" -ne 0 ]; then
  echo "cannot probe $DEVICE (blkid exit $probe); not formatting it" >&2
  exit 1
fi
UUID=$(blkid -o value -s UUID "$DEVICE")
FSTYPE=$(blkid -o value -s TYPE "$DEVICE")
if [ -z "$UUID" ] || [ -z "$FSTYPE" ]; then
  echo "$DEVICE holds no mountable filesystem (partitioned?); refusing to format it" >&2
  exit 1
fi
mkdir -p "$MOUNT_POINT"
OLD=$(awk -v mp="$MOUNT_POINT" -v want="UUID=$UUID" '$1 == want && $2 != mp { print $2; exit }' "$FSTAB")
if [ -n "$OLD" ] && [ "$(findmnt -rn -o SOURCE --mountpoint "$OLD" 2>/dev/null)" = "$DEVICE" ]; then
  echo "moving the work volume from $OLD to $MOUNT_POINT"
  systemctl stop capblocks-code-server.service 2>/dev/null || :
  if ! umount "$OLD"; then
    echo "cannot unmount $OLD to move the work volume to $MOUNT_POINT; these processes use it (end them and run pulumi up again):" >&2
    fuser -vm "$OLD" >&2 || :
    exit 1
  fi
fi
awk -v mp="$MOUNT_POINT" -v want="UUID=$UUID" '/^[ \\t]*#/ || ($2 == mp) == ($1 == want)' "$FSTAB" > "$FSTAB.capblocks"
cat "$FSTAB.capblocks" > "$FSTAB"
rm -f "$FSTAB.capblocks"
if ! grep -q "^UUID=$UUID " "$FSTAB"; then
  echo "UUID=$UUID $MOUNT_POINT $FSTYPE defaults,nofail 0 2" >> "$FSTAB"
fi
if ! mountpoint -q "$MOUNT_POINT"; then
  mount "$MOUNT_POINT"
fi
if [ "$FSTYPE" = ext4 ]; then
  resize2fs "$DEVICE" >/dev/null 2>&1 || echo "warning: could not grow the filesystem on $DEVICE to the volume size" >&2
fi
`;
    return {
        id: MOUNT_TASK_ID,
        name: "Mount the work volume",
        description: `Mount ${o.volumeId} (retained across blocks) at ${o.mountPoint}; format it only if it is empty.`,
        commands: [script],
        timeoutSeconds: waitSeconds + 300,
    };
}
