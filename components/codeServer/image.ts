/**
 * The dev box's image and root volume size, and which of them its launch template keeps from its first version.
 * Anything new in a launch template is a new version, and an instance on another version is replaced (a new root
 * disk: docs/replacements.md). So values that come from capblocks' catalog are pinned once the template exists:
 * a newer DLAMI behind the AMI parameter, another parameter, or a new default size never replaces a running box.
 * What the user sets (codeServer.amiId, codeServer.volumeSizeGb) is followed.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { CodeServerConfig } from "../config";
import { instanceFacts } from "../shared/catalog";

/** The root volume's size in the launch template (launchTemplateBase maps the root first). */
export const ROOT_VOLUME_SIZE = "blockDeviceMappings[0].ebs.volumeSize";

/** The launch template inputs kept from its first version. */
export function pinnedLaunchTemplateInputs(cs: Pick<CodeServerConfig, "amiId" | "volumeSizeFromCatalog">): string[] {
    return [...(cs.amiId ? [] : ["imageId"]), ...(cs.volumeSizeFromCatalog ? [ROOT_VOLUME_SIZE] : [])];
}

/** codeServer.amiId, else the current DLAMI for the type's accelerator from its public SSM parameter. */
export function boxImageId(
    cs: Pick<CodeServerConfig, "amiId" | "instanceType">,
    region: string,
    parent: pulumi.Resource,
    parameter = instanceFacts(cs.instanceType).amiParameter,
): pulumi.Input<string> {
    return cs.amiId ?? aws.ssm.getParameterOutput({ name: parameter, region }, { parent }).value;
}
