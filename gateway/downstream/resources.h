/*
 * The observable CoAP resources of the mitigation table: the collection
 * ".../mitigate/cuid=X" and each item ".../cuid=X/mid=N" (and their
 * ".../cdid=D/..." forms, for a gateway that sent its PUT there) exist
 * exactly while there is something to observe; deleting an item resource
 * ends its observations with a 4.04. The table (gateway/state/
 * mitigation.h) does not know them: these are hooks of its events
 * (struct mit_events), arg the struct gw, subscribed by the wiring.
 */
#ifndef DOTSGW_RESOURCES_H
#define DOTSGW_RESOURCES_H

struct mit_client;
struct mitigation;

void	resources_client_created(struct mit_client *, void *gw);
void	resources_client_ended(struct mit_client *, void *gw);
/* created and restored alike: m's item resources */
void	resources_created(struct mitigation *, void *gw);
void	resources_ended(struct mitigation *, void *gw);
void	resources_changed(struct mitigation *, void *gw);
void	resources_client_changed(struct mit_client *, void *gw);

#endif
