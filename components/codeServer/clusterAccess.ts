/**
 * The dev box as a member of the stack's PCS cluster (pure): it runs in the cluster's compute subnet with the nodes'
 * security group, mounts the cluster's shared storage where the nodes do, boots the nodes' OS (Ubuntu 24.04), and
 * submits jobs with the cluster's own Slurm build as a standalone login node: `sackd` fetches the configuration
 * from the controller (configless) and signs requests with the cluster's Slurm key. That key stays in Secrets
 * Manager until a setup task on the instance reads it with the instance role, whose policy names only this
 * cluster and its secret: no key in Pulumi state, in a command's parameters or in the task's output.
 * Facts: docs/aws-notes.md#the-dev-box-as-a-login-node.
 */
import { shellQuote } from "../../dynamic-providers/shared/shell";
import type { TaskSpec } from "../../dynamic-providers/ssmTasks";
import { PCS_DLAMI_PARAMETER } from "../cluster/ami";
import type { SharedMount } from "../cluster/userData";
import { EFS_MOUNT_DIR, LUSTRE_MOUNT_DIR, pcsSlurmHome, storageMountScript } from "../cluster/userData";
import type { SharedStorage } from "../config";
import { instanceFacts } from "../shared/catalog";

export const SHARED_STORAGE_TASK_ID = "cluster-shared-storage";
export const SLURM_JOIN_TASK_ID = "cluster-slurm-client";

/** The script the join task installs, so a person can join again (after the cluster secret is rotated). */
export const JOIN_SCRIPT = "/usr/local/sbin/capblocks-slurm-join";
/** Where the PCS guide keeps a standalone login node's Slurm key (and where its rotation steps replace it). */
const SLURM_DIR = "/etc/slurm";
export const SLURM_KEY_FILE = `${SLURM_DIR}/slurm.key`;
const SACKD_UNIT = "capblocks-sackd";
const SACKD_OPTIONS_FILE = `/etc/default/${SACKD_UNIT}`;

/**
 * The box user's uid, on the box and on every node (the nodes' boot script creates the same user): jobs run as the
 * uid that submitted them. 1001 is where useradd put the user on a DLAMI before (after ubuntu, 1000), so a box
 * that moves into the cluster still owns its work volume's files.
 */
export const BOX_USER_UID = 1001;
export const BOX_USER_TASK_ID = "cluster-user";

const CLUSTER_ID = /^pcs_[A-Za-z0-9]+$/;
const REGION = /^[a-z]{2,4}(-[a-z]+)?-[a-z]+-\d{1,2}$/;
const SLURM_VERSION = /^\d+\.\d+$/;

function checked(value: string, pattern: RegExp, what: string): string {
    if (!pattern.test(value)) throw new Error(`refusing to put an unexpected ${what} in a setup script: ${value}`);
    return value;
}

/** Where the mount goes on the nodes, and so on the box; undefined without shared storage. */
export function sharedMountDir(kind: SharedStorage): string | undefined {
    return kind === "efs" ? EFS_MOUNT_DIR : kind === "fsx-lustre" ? LUSTRE_MOUNT_DIR : undefined;
}

/** The image the box boots with a cluster, and whether it carries PCS's Slurm (the join task needs it). */
export interface ClusterBoxImage {
    /** An image id to follow (the user's); else `parameter` names the public SSM parameter to read. */
    amiId?: string;
    parameter?: string;
    hasPcsSlurm: boolean;
    /** Said when the box cannot submit jobs itself. */
    warning?: string;
}

/**
 * The box boots what the nodes boot: the user's codeServer.amiId, else the nodes' own cluster.amiId, else the
 * PCS-ready DLAMI (Ubuntu 24.04 with PCS's Slurm builds, the NVIDIA driver, CUDA, EFA and the Lustre client). A
 * Trainium/Inferentia box keeps the Neuron DLAMI (Ubuntu 24.04 too): the PCS-ready DLAMI has no Neuron driver, so
 * the box gets the network and the shared storage but no Slurm client.
 */
export function clusterBoxImage(box: { amiId?: string; instanceType: string }, cluster: { amiId?: string }): ClusterBoxImage {
    const own = box.amiId ?? cluster.amiId;
    if (own) return { amiId: own, hasPcsSlurm: true };
    const facts = instanceFacts(box.instanceType);
    if (facts.accelerator === "neuron") {
        return {
            parameter: facts.amiParameter,
            hasPcsSlurm: false,
            warning:
                `capblocks:codeServer: the ${box.instanceType} dev box boots the Neuron DLAMI, which has no PCS Slurm client, so it mounts ` +
                "the cluster's storage but cannot submit jobs; submit from the login node (clusterLoginCommand), or set capblocks:codeServer.amiId " +
                "to an image with both the Neuron driver and PCS's Slurm (such as the cluster's node image)",
        };
    }
    return { parameter: PCS_DLAMI_PARAMETER, hasPcsSlurm: true };
}

/** The setup tasks the cluster adds to the box (codeServer.rerun may name them). */
export function clusterTaskIds(sharedStorage: SharedStorage, joins: boolean): string[] {
    return [BOX_USER_TASK_ID, ...(sharedStorage === "none" ? [] : [SHARED_STORAGE_TASK_ID]), ...(joins ? [SLURM_JOIN_TASK_ID] : [])];
}

/**
 * Runs before code-server's own user task, which then finds the user: the box's user with the nodes' uid. A user
 * made with another uid (by hand) is an error, not a silent mismatch.
 */
export function boxUserTask(user: string, homeDir: string): TaskSpec {
    const [name, home] = [shellQuote(user), shellQuote(homeDir)];
    const mismatch =
        `capblocks: ${user} has another uid here than on the cluster's nodes (${BOX_USER_UID}), so its jobs would run as another user; ` +
        `give it that uid (sudo usermod -u ${BOX_USER_UID} ${user}; sudo groupmod -g ${BOX_USER_UID} ${user}) and run pulumi up again`;
    return {
        id: BOX_USER_TASK_ID,
        name: `Create ${user} with uid ${BOX_USER_UID}, as on the cluster's nodes`,
        commands: [
            `if uid=$(id -u ${name} 2>/dev/null); then`,
            `    if [ "$uid" != ${BOX_USER_UID} ]; then echo ${shellQuote(mismatch)} >&2; exit 1; fi`,
            "    exit 0",
            "fi",
            `getent group ${name} >/dev/null || groupadd --gid ${BOX_USER_UID} ${name}`,
            `useradd --uid ${BOX_USER_UID} --gid ${name} --home-dir ${home} --no-create-home --shell /bin/bash ${name}`,
        ],
    };
}

/** The mount of the cluster's shared storage, as the nodes' boot script does it; undefined without storage. */
export function sharedStorageTask(mount: SharedMount): TaskSpec | undefined {
    const script = storageMountScript(mount);
    if (script === undefined) return undefined;
    const dir = mount.kind === "efs" ? EFS_MOUNT_DIR : LUSTRE_MOUNT_DIR;
    // The nodes' script is POSIX sh but for its interpreter line; SSM runs tasks with sh.
    const commands = script.trimEnd().split("\n").filter((line) => !line.startsWith("#!"));
    return { id: SHARED_STORAGE_TASK_ID, name: `Mount the cluster's shared storage at ${dir}`, commands, timeoutSeconds: 600 };
}

export interface SlurmJoin {
    /** The PCS cluster id, `pcs_…`. */
    clusterId: string;
    region: string;
    slurmVersion: string;
    /** Prefix of every path the join writes or runs (tests run it in a scratch directory); default "". */
    root?: string;
}

/** The files the join uses, under `root`. */
function joinPaths({ slurmVersion, root = "" }: SlurmJoin) {
    return {
        slurmHome: `${root}${pcsSlurmHome(checked(slurmVersion, SLURM_VERSION, "Slurm version"))}`,
        slurmDir: `${root}${SLURM_DIR}`,
        keyFile: `${root}${SLURM_KEY_FILE}`,
        options: `${root}${SACKD_OPTIONS_FILE}`,
        unit: `${root}/etc/systemd/system/${SACKD_UNIT}.service`,
        bin: `${root}/usr/local/bin`,
        script: `${root}${JOIN_SCRIPT}`,
    };
}

/** The join script (POSIX sh, run as root): endpoint and key read with the instance role, sackd (re)started, checked. */
export function slurmJoinScript(join: SlurmJoin): string {
    const id = checked(join.clusterId, CLUSTER_ID, "PCS cluster id");
    const r = checked(join.region, REGION, "Region");
    const at = joinPaths(join);
    return `#!/bin/sh
# capblocks: join PCS cluster ${id} as a login node (sackd). Safe to run again, e.g. after the cluster secret is rotated.
set -eu
CLUSTER_ID=${id}
REGION=${r}
SLURM_HOME=${at.slurmHome}
cluster() { aws pcs get-cluster --region "$REGION" --cluster-identifier "$CLUSTER_ID" --query "$1" --output text; }
# A role policy made moments ago can take seconds to apply (IAM is eventually consistent): try for a minute.
tries=0
until status=$(cluster cluster.status); do
    tries=$((tries + 1))
    if [ "$tries" -ge 12 ]; then
        echo "capblocks: this instance's role cannot read PCS cluster $CLUSTER_ID (pcs:GetCluster)" >&2
        exit 1
    fi
    sleep 5
done
if [ "$status" != ACTIVE ]; then
    echo "capblocks: PCS cluster $CLUSTER_ID is $status, not ACTIVE; run ${JOIN_SCRIPT} again once it is" >&2
    exit 1
fi
address=$(cluster "cluster.endpoints[?type=='SLURMCTLD'].privateIpAddress | [0]")
port=$(cluster "cluster.endpoints[?type=='SLURMCTLD'].port | [0]")
key_arn=$(cluster cluster.slurmConfiguration.authKey.secretArn)
for value in "$address" "$port" "$key_arn"; do
    if [ -z "$value" ] || [ "$value" = None ]; then
        echo "capblocks: PCS cluster $CLUSTER_ID reports no Slurm controller endpoint or key" >&2
        exit 1
    fi
done
id slurm >/dev/null 2>&1 || useradd --system --user-group --no-create-home --shell /usr/sbin/nologin slurm
mkdir -p ${at.slurmDir}
umask 077
# The key goes from Secrets Manager to its file and nowhere else: never echoed, never in a parameter.
key=$(aws secretsmanager get-secret-value --region "$REGION" --secret-id "$key_arn" --version-stage AWSCURRENT --query SecretString --output text)
printf '%s' "$key" | base64 -d > ${at.keyFile}.new
key=
chown slurm:slurm ${at.keyFile}.new
chmod 0600 ${at.keyFile}.new
mv -f ${at.keyFile}.new ${at.keyFile}
umask 022
printf "SACKD_OPTIONS='--conf-server=%s:%s'\\n" "$address" "$port" > ${at.options}
cat > ${at.unit} <<UNIT
[Unit]
Description=Slurm auth and cred kiosk daemon for PCS cluster $CLUSTER_ID (capblocks)
After=network-online.target remote-fs.target
Wants=network-online.target
ConditionPathExists=${at.options}

[Service]
Type=notify
EnvironmentFile=${at.options}
User=slurm
Group=slurm
RuntimeDirectory=slurm
RuntimeDirectoryMode=0755
ExecStart=$SLURM_HOME/sbin/sackd --systemd \\$SACKD_OPTIONS
ExecReload=/bin/kill -HUP \\$MAINPID
KillMode=process
LimitNOFILE=131072
LimitMEMLOCK=infinity
LimitSTACK=infinity

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable ${SACKD_UNIT}
systemctl restart ${SACKD_UNIT}
# The cluster's client commands for every shell, code-server's terminal included.
for command in "$SLURM_HOME"/bin/*; do ln -sfn "$command" ${at.bin}/; done
tries=0
until "$SLURM_HOME/bin/sinfo" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 24 ]; then
        echo "capblocks: sackd runs, but sinfo cannot reach the controller at $address:$port; see journalctl -u ${SACKD_UNIT}" >&2
        exit 1
    fi
    sleep 5
done
echo "joined PCS cluster $CLUSTER_ID (controller $address:$port)"
`;
}

/**
 * The setup task that makes the box a login node of the cluster: it checks the image has PCS's Slurm of the
 * cluster's version, installs the join script and runs it. Its text holds the cluster id, so a new cluster joins anew.
 */
export function slurmJoinTask(join: SlurmJoin): TaskSpec {
    const at = joinPaths(join);
    const region = checked(join.region, REGION, "Region");
    const missing =
        `capblocks: ${at.slurmHome}/sbin/sackd is missing: this image has no PCS Slurm ${join.slurmVersion}. The PCS-ready DLAMI has it; a box ` +
        "launched before the cluster keeps its first image, so set capblocks:codeServer.amiId to the id of the DLAMI, from " +
        `aws ssm get-parameter --region ${region} --name ${PCS_DLAMI_PARAMETER} --query Parameter.Value --output text`;
    return {
        id: SLURM_JOIN_TASK_ID,
        name: `Join PCS cluster ${join.clusterId} with its Slurm client`,
        commands: [
            `if [ ! -x ${at.slurmHome}/sbin/sackd ]; then`,
            `    echo ${shellQuote(missing)} >&2`,
            "    exit 1",
            "fi",
            `cat > ${at.script} <<'JOIN'`,
            ...slurmJoinScript(join).trimEnd().split("\n"),
            "JOIN",
            `chmod 0755 ${at.script}`,
            at.script,
        ],
        timeoutSeconds: 600,
    };
}

/**
 * The box role's permissions for the join: read this cluster (its controller endpoint and the key's ARN) and the
 * value of this cluster's Slurm key only. PCS names the key's secret `pcs!slurm-secret-<cluster id>`; Secrets
 * Manager appends `-` and six random characters to a secret's ARN, which `??????` matches and nothing longer does.
 * Partition, Region and account come from the cluster's ARN.
 */
export function clusterAccessPolicy(clusterArn: string, clusterId: string): object {
    const [, partition, , region, account] = clusterArn.split(":");
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: "pcs:GetCluster", Resource: clusterArn },
            {
                Effect: "Allow",
                Action: "secretsmanager:GetSecretValue",
                Resource: `arn:${partition}:secretsmanager:${region}:${account}:secret:pcs!slurm-secret-${checked(clusterId, CLUSTER_ID, "PCS cluster id")}-??????`,
            },
        ],
    };
}

export interface ClusterBoxState {
    name: string;
    /** The PCS cluster exists (its hourly parts were built). */
    built: boolean;
    /** The box has PCS's Slurm and joins the cluster. */
    joins: boolean;
    sharedStorage: SharedStorage;
    queue: string;
}

/** One sentence for nextStep: what the box can do with the cluster now, or when it joins. */
export function clusterBoxStep({ name, built, joins, sharedStorage, queue }: ClusterBoxState): string {
    const dir = sharedMountDir(sharedStorage);
    if (!built) {
        const later = [...(joins ? ["its Slurm client"] : []), ...(sharedStorage === "fsx-lustre" ? [`FSx for Lustre at ${dir}`] : [])];
        const now = sharedStorage === "efs" ? ` It mounts EFS at ${dir} already.` : "";
        return later.length
            ? `The dev box joins cluster ${name} (${later.join(", ")}) on the \`pulumi up\` that builds the cluster.${now}`
            : now.trim();
    }
    const files = dir ? `; jobs see ${dir}, not the work volume, so keep what they read and write under ${dir}` : "";
    if (!joins) return `The dev box mounts cluster ${name}'s storage${dir ? ` at ${dir}` : ""}; submit jobs from the login node.`;
    return `In code-server's terminal, \`sbatch -p ${queue} job.sh\` and \`squeue\` reach cluster ${name}${files}.`;
}
