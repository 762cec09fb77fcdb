"""Election logistics on a multimodal network (road, river, sea, air)."""
